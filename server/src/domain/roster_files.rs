//! The office's spreadsheets of people (a roster, a body's list): CSV
//! (UTF-8 or the GB18030 Excel writes on Chinese Windows) or XLSX, Chinese or
//! English headers, read into rows numbered as the spreadsheet shows them.
//! What the rows mean is the importer's: `accounts::import` makes members of
//! them, `meetings::body_import` adds them to a body.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use lvzhi_shared::ErrorCode;

use crate::config::LimitsConfig;
use crate::error::AppError;

/// The columns a roster can have; only name and phone are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    MemberNo,
    Name,
    Gender,
    Phone,
    Sector,
    Party,
    Workplace,
    BirthYear,
}

const COLUMNS: usize = 8;

impl Column {
    /// Recognises the header spellings offices use.
    fn from_header(header: &str) -> Option<Self> {
        let h = header
            .trim()
            .trim_start_matches('\u{feff}')
            .to_lowercase()
            .replace([' ', '_'], "");
        Some(match h.as_str() {
            "memberno" | "membernumber" | "委员编号" | "编号" | "委员证号" => {
                Self::MemberNo
            }
            "name" | "姓名" => Self::Name,
            "gender" | "sex" | "性别" => Self::Gender,
            "phone" | "mobile" | "手机" | "手机号" | "手机号码" | "联系电话" | "电话" => {
                Self::Phone
            }
            "sector" | "界别" => Self::Sector,
            "party" | "党派" | "政治面貌" => Self::Party,
            "workplace" | "工作单位" | "单位" | "工作单位及职务" => Self::Workplace,
            "birthyear" | "出生年份" | "出生年" | "出生年月" => Self::BirthYear,
            _ => return None,
        })
    }

    pub fn field(self) -> &'static str {
        match self {
            Self::MemberNo => "member_no",
            Self::Name => "name",
            Self::Gender => "gender",
            Self::Phone => "phone",
            Self::Sector => "sector",
            Self::Party => "party",
            Self::Workplace => "workplace",
            Self::BirthYear => "birth_year",
        }
    }
}

/// One data row as read, before validation.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// Spreadsheet row number; the header is row 1.
    pub row: u32,
    cells: [Option<String>; COLUMNS],
}

impl RawRow {
    pub fn get(&self, c: Column) -> Option<&str> {
        self.cells[c as usize].as_deref()
    }

    /// The row's 姓名, 手机号码 and 委员编号, for imports that only name members.
    pub fn name(&self) -> Option<&str> {
        self.get(Column::Name)
    }

    pub fn phone(&self) -> Option<&str> {
        self.get(Column::Phone)
    }

    pub fn member_no(&self) -> Option<&str> {
        self.get(Column::MemberNo)
    }
}

/// Why a file cannot be read as a roster (the API says it in English; the
/// console has its own words for each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    Empty,
    /// The header lacks these required columns (field names).
    MissingColumns(Vec<&'static str>),
    TooManyRows(usize),
    /// Neither XLSX nor text in UTF-8 or GBK.
    NotARoster,
    /// A CSV that cannot be parsed (the parser's reason).
    BadCsv(String),
    BadXlsx,
    /// An XLSX that unpacks to far more than a roster.
    Inflates,
    NoSheet,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => write!(f, "the file is empty"),
            Self::MissingColumns(missing) => write!(
                f,
                "the first row must be a header naming the columns; missing: {} (e.g. 姓名, 手机号码)",
                missing.join(", ")
            ),
            Self::TooManyRows(max) => write!(f, "at most {max} rows can be imported at once"),
            Self::NotARoster => write!(f, "the file is neither XLSX nor a CSV in UTF-8 or GBK"),
            Self::BadCsv(why) => write!(f, "the CSV cannot be read: {why}"),
            Self::BadXlsx => write!(f, "the XLSX file cannot be read"),
            Self::Inflates => write!(
                f,
                "the XLSX file unpacks to far more than a roster; save it again or as CSV"
            ),
            Self::NoSheet => write!(f, "the XLSX file has no sheet"),
        }
    }
}

impl std::error::Error for FileProblem {}

impl From<FileProblem> for AppError {
    fn from(problem: FileProblem) -> Self {
        AppError::new(ErrorCode::InvalidImportFile, problem.to_string()).with_field("file")
    }
}

/// Most columns read from a spreadsheet: a roster has eight, and one stray
/// cell far to the right must not make every row that wide.
const MAX_COLUMNS: u32 = 256;

/// How much of a roster file is read.
#[derive(Debug, Clone, Copy)]
pub struct FileLimits {
    /// Most data rows.
    pub max_rows: usize,
    /// Most bytes an XLSX may inflate to (its parts are compressed, so a
    /// small upload can hide gigabytes).
    pub max_inflated: u64,
}

impl FileLimits {
    /// At most `max_rows`, XLSX inflating without bound (for tests of rows).
    #[cfg(test)]
    pub fn rows(max_rows: usize) -> Self {
        FileLimits {
            max_rows,
            max_inflated: u64::MAX,
        }
    }

    pub fn of(limits: &LimitsConfig) -> Self {
        FileLimits {
            max_rows: limits.max_import_rows,
            // Honest spreadsheets compress a few times over; a 16-fold allowance is ample.
            max_inflated: u64::try_from(limits.max_import_bytes)
                .unwrap_or(u64::MAX)
                .saturating_mul(16),
        }
    }
}

/// Reads an upload into rows, telling CSV from XLSX by content.
pub fn read_file(bytes: &[u8], limits: FileLimits) -> Result<Vec<RawRow>, FileProblem> {
    let FileLimits {
        max_rows,
        max_inflated,
    } = limits;
    let table = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, max_rows, max_inflated)?
    } else {
        read_csv(bytes)?
    };
    let mut lines = table.into_iter();
    let (_, header) = lines.next().ok_or(FileProblem::Empty)?;
    let columns: Vec<Option<Column>> = header.iter().map(|h| Column::from_header(h)).collect();
    let missing: Vec<&'static str> = [Column::Name, Column::Phone]
        .into_iter()
        .filter(|c| !columns.contains(&Some(*c)))
        .map(Column::field)
        .collect();
    if !missing.is_empty() {
        return Err(FileProblem::MissingColumns(missing));
    }
    let mut rows = Vec::new();
    for (number, line) in lines {
        let mut cells: [Option<String>; COLUMNS] = Default::default();
        for (value, column) in line.into_iter().zip(&columns) {
            if let Some(c) = column {
                let v = value.trim();
                if !v.is_empty() {
                    cells[*c as usize] = Some(v.to_owned());
                }
            }
        }
        if cells.iter().all(Option::is_none) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(FileProblem::TooManyRows(max_rows));
        }
        rows.push(RawRow { row: number, cells });
    }
    Ok(rows)
}

/// Rows with their 1-based numbers as a spreadsheet program shows them.
type Table = Vec<(u32, Vec<String>)>;

fn read_csv(bytes: &[u8]) -> Result<Table, FileProblem> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(FileProblem::NotARoster);
            }
            decoded.into_owned()
        }
    };
    if text.contains('\0') {
        return Err(FileProblem::NotARoster);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // A spreadsheet program shows a blank line as an empty row (the reader
    // skips it) and a quoted cell holding line breaks as one row. So a
    // record's row is the line it starts on, less the breaks inside the
    // cells of the records before it.
    let mut table = Table::new();
    // Line breaks in `text[..scanned]`, and how many of them were inside cells.
    let (mut scanned, mut breaks, mut in_cells) = (0usize, 0u64, 0u64);
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| FileProblem::BadCsv(e.to_string()))?
    {
        let end = usize::try_from(reader.position().byte())
            .unwrap_or(usize::MAX)
            .min(text.len());
        let Some(read) = text.get(scanned..end) else {
            return Err(FileProblem::BadCsv("a record ends outside the text".into()));
        };
        // The previous line's terminator and any blank lines, then the record.
        let gap = read.len() - read.trim_start_matches(['\r', '\n']).len();
        let own = &read[gap..];
        let own = &own[..own.trim_end_matches(['\r', '\n']).len()];
        breaks += line_breaks(&read[..gap]);
        let row = breaks + 1 - in_cells;
        let inside = line_breaks(own);
        breaks += inside;
        in_cells += inside;
        scanned += gap + own.len();
        let cells = record.iter().map(str::to_owned).collect();
        table.push((u32::try_from(row).unwrap_or(u32::MAX), cells));
    }
    Ok(table)
}

/// Line breaks in `s`: `\r\n`, `\n` and a lone `\r` each count once.
fn line_breaks(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            n += 1;
        }
    }
    n
}

/// Reads the first sheet cell by cell: a sheet is stored sparsely, and
/// laying it out as one rectangle would let a cell at XFD1048576 ask for
/// seventeen billion cells.
fn read_xlsx(bytes: &[u8], max_rows: usize, max_inflated: u64) -> Result<Table, FileProblem> {
    let unreadable = || FileProblem::BadXlsx;
    // Declared sizes bound what the zip reader will inflate, so checking them suffices.
    let inflated = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| unreadable())?
        .decompressed_size()
        .ok_or_else(unreadable)?;
    if inflated > u128::from(max_inflated) {
        return Err(FileProblem::Inflates);
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(FileProblem::NoSheet)?;
    let unreadable_sheet = unreadable;
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|_| unreadable_sheet())?;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable_sheet())? {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        // The header and `max_rows` data rows; one more is refused by `read_file`.
        if !rows.contains_key(&row) && rows.len() > max_rows.saturating_add(1) {
            return Err(FileProblem::TooManyRows(max_rows));
        }
        let line = rows.entry(row).or_default();
        let at = column as usize;
        if line.len() <= at {
            line.resize(at + 1, String::new());
        }
        line[at] = text;
    }
    Ok(rows
        .into_iter()
        .map(|(row, line)| (row.saturating_add(1), line))
        .collect())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Spreadsheets keep phone numbers and years as numbers: 13901921476.0.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_most(max_rows: usize) -> FileLimits {
        FileLimits::rows(max_rows)
    }

    #[test]
    fn csv_rows_are_numbered_as_a_spreadsheet_shows_them() {
        let csv = "姓名,手机号码,工作单位\n\n王芳,13900000101,\"县医院\n内科\"\n\n李强,13900000102,县医院\n";
        let rows = read_file(csv.as_bytes(), at_most(10)).expect("rows");
        let numbers: Vec<u32> = rows.iter().map(|r| r.row).collect();
        assert_eq!(numbers, [3, 5]);
        let windows = csv.replace('\n', "\r\n");
        let rows = read_file(windows.as_bytes(), at_most(10)).expect("rows");
        let numbers: Vec<u32> = rows.iter().map(|r| r.row).collect();
        assert_eq!(numbers, [3, 5], "CRLF");
    }

    #[test]
    fn missing_columns_are_named() {
        let err = read_file("name,sector\n王芳,科技界\n".as_bytes(), at_most(10))
            .expect_err("no phone column");
        assert_eq!(err, FileProblem::MissingColumns(vec!["phone"]));
        let err = AppError::from(err);
        assert_eq!(err.code, ErrorCode::InvalidImportFile);
        assert!(err.message.contains("phone"));
    }

    #[test]
    fn row_limit_is_enforced() {
        let csv = "name,phone\na,13900000001\nb,13900000002\nc,13900000003\n";
        assert_eq!(
            read_file(csv.as_bytes(), at_most(2)).expect_err("too many"),
            FileProblem::TooManyRows(2)
        );
    }
}
