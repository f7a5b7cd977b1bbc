//! Tables for the office to open in a spreadsheet: CSV (UTF-8 with a byte
//! order mark, so Excel shows Chinese) and XLSX.

use rust_xlsxwriter::{Format, Workbook};

use crate::error::AppError;

pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn to_csv(&self) -> Result<Vec<u8>, AppError> {
        let mut out = "\u{feff}".as_bytes().to_vec();
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(&self.headers).map_err(AppError::internal)?;
            for row in &self.rows {
                w.write_record(row.iter().map(|c| spreadsheet_safe(c)))
                    .map_err(AppError::internal)?;
            }
            w.flush().map_err(AppError::internal)?;
        }
        Ok(out)
    }

    pub fn to_xlsx(&self, sheet: &str) -> Result<Vec<u8>, AppError> {
        Self::workbook(&[(sheet, self)])
    }

    /// One workbook with a sheet per table.
    pub fn workbook(sheets: &[(&str, &Table)]) -> Result<Vec<u8>, AppError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        for (name, table) in sheets {
            let ws = book.add_worksheet();
            ws.set_name(*name).map_err(AppError::internal)?;
            for (c, h) in table.headers.iter().enumerate() {
                let col = u16::try_from(c).map_err(AppError::internal)?;
                ws.write_string_with_format(0, col, *h, &bold)
                    .map_err(AppError::internal)?;
                ws.set_column_width(col, 16).map_err(AppError::internal)?;
            }
            for (r, row) in table.rows.iter().enumerate() {
                let r = u32::try_from(r + 1).map_err(AppError::internal)?;
                for (c, cell) in row.iter().enumerate() {
                    let col = u16::try_from(c).map_err(AppError::internal)?;
                    // Text cells, so phone numbers and codes keep their leading digits.
                    ws.write_string(r, col, cell).map_err(AppError::internal)?;
                }
            }
        }
        book.save_to_buffer().map_err(AppError::internal)
    }
}

/// A cell starting with = + - @ would run as a formula when opened in a spreadsheet.
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}
