//! Roster import from the office's spreadsheet (read by `roster_files`).
//!
//! Every bad row is reported with its spreadsheet row number and reason; the
//! good rows are imported once. Running the same file again changes nothing:
//! members are matched by member number (or by phone when the row has none).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::CommitteeId;
use lvzhi_shared::members::{Gender, ImportRowError, NewMember, Role};
use lvzhi_shared::validate::FieldError;

use crate::db::DbConnection;
use crate::db::models::UserRow;
use crate::db::schema::users;
use crate::domain::accounts::members::{self, IssuedCode, MemberFields};
use crate::domain::roster_files::{Column, RawRow};
use crate::error::AppError;

/// What `apply` did.
pub struct Applied {
    pub created: Vec<(UserRow, IssuedCode)>,
    pub updated: u32,
    pub unchanged: u32,
    pub errors: Vec<ImportRowError>,
}

/// Validates and stores every row inside the caller's transaction.
pub fn apply(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    rows: &[RawRow],
    code_days: i64,
    now: NaiveDateTime,
) -> Result<Applied, AppError> {
    let mut applied = Applied {
        created: Vec::new(),
        updated: 0,
        unchanged: 0,
        errors: Vec::new(),
    };
    let mut seen_no: HashMap<String, u32> = HashMap::new();
    let mut seen_phone: HashMap<String, u32> = HashMap::new();
    for raw in rows {
        let row_error = |e: AppError| ImportRowError {
            row: raw.row,
            member_no: raw.get(Column::MemberNo).map(str::to_owned),
            field: e.field.clone(),
            code: e.code,
            message: e.message.clone(),
        };
        let fields = match to_input(raw).and_then(|input| MemberFields::parse(&input, now.year())) {
            Ok(f) => f,
            Err(e) => {
                applied.errors.push(row_error(e.into()));
                continue;
            }
        };
        if let Some(first) = fields.member_no.as_ref().and_then(|n| seen_no.get(n)) {
            let e = AppError::new(
                ErrorCode::MemberNoTaken,
                format!("member number repeats row {first}"),
            )
            .with_field("member_no");
            applied.errors.push(row_error(e));
            continue;
        }
        if let Some(first) = seen_phone.get(&fields.phone) {
            let e = AppError::new(
                ErrorCode::PhoneTaken,
                format!("phone number repeats row {first}"),
            )
            .with_field("phone");
            applied.errors.push(row_error(e));
            continue;
        }
        if let Some(no) = &fields.member_no {
            seen_no.insert(no.clone(), raw.row);
        }
        seen_phone.insert(fields.phone.clone(), raw.row);

        match store_row(conn, committee_id, fields, code_days, now) {
            Ok(Stored::Created(created)) => applied.created.push(*created),
            Ok(Stored::Updated) => applied.updated += 1,
            Ok(Stored::Unchanged) => applied.unchanged += 1,
            // Rule broken by this row (taken phone, unknown sector): report it and go on.
            Err(e) if e.code.http_status() < 500 => applied.errors.push(row_error(e)),
            Err(e) => return Err(e),
        }
    }
    Ok(applied)
}

enum Stored {
    Created(Box<(UserRow, IssuedCode)>),
    Updated,
    Unchanged,
}

fn store_row(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    fields: MemberFields,
    code_days: i64,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    let existing: Option<UserRow> = match &fields.member_no {
        Some(no) => users::table
            .filter(users::committee_id.eq(committee_id))
            .filter(users::member_no.eq(no))
            .select(UserRow::as_select())
            .get_result(conn)
            .optional()?,
        None => users::table
            .filter(users::committee_id.eq(committee_id))
            .filter(users::phone.eq(&fields.phone))
            .select(UserRow::as_select())
            .get_result(conn)
            .optional()?,
    };
    match existing {
        Some(user) => Ok(if members::update_details(conn, &user, &fields, now)? {
            Stored::Updated
        } else {
            Stored::Unchanged
        }),
        None => {
            let ((user, _), code) =
                members::create(conn, committee_id, fields, Role::Member, code_days, now)?;
            Ok(Stored::Created(Box::new((user, code))))
        }
    }
}

/// Cells → the same input `POST /members` takes.
fn to_input(raw: &RawRow) -> Result<NewMember, FieldError> {
    let gender = raw
        .get(Column::Gender)
        .map(|g| {
            Gender::parse_loose(g).ok_or_else(|| {
                FieldError::new(
                    ErrorCode::InvalidField,
                    "gender",
                    "性别应为男或女 (男 or 女)",
                )
            })
        })
        .transpose()?;
    let birth_year = raw
        .get(Column::BirthYear)
        .map(|y| {
            // 出生年月 columns hold "1980.05" or "1980-05"; the year is what counts.
            y.get(..4)
                .filter(|_| y.len() == 4 || !y.as_bytes()[4].is_ascii_digit())
                .and_then(|y| y.parse::<i32>().ok())
                .ok_or_else(|| {
                    FieldError::new(
                        ErrorCode::InvalidField,
                        "birth_year",
                        "出生年份应为四位数字 (a four-digit year)",
                    )
                })
        })
        .transpose()?;
    Ok(NewMember {
        member_no: raw.get(Column::MemberNo).map(str::to_owned),
        name: raw.get(Column::Name).unwrap_or_default().to_owned(),
        gender,
        phone: raw.get(Column::Phone).unwrap_or_default().to_owned(),
        sector: raw.get(Column::Sector).map(str::to_owned),
        party: raw.get(Column::Party).map(str::to_owned),
        workplace: raw.get(Column::Workplace).map(str::to_owned),
        birth_year,
        role: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roster_files::{FileLimits, read_file};

    fn at_most(max_rows: usize) -> FileLimits {
        FileLimits::rows(max_rows)
    }

    #[test]
    fn chinese_and_english_headers_map_to_columns() {
        let csv = "委员编号,姓名,性别,手机号码,界别,党派,工作单位,出生年份\nXX-1,范梅,女,13901921476,科技界,中共,企业,1983\n,,,,,,,\n";
        let rows = read_file(csv.as_bytes(), at_most(10)).expect("rows");
        assert_eq!(rows.len(), 1, "blank rows are skipped");
        assert_eq!(rows[0].row, 2);
        let input = to_input(&rows[0]).expect("input");
        assert_eq!(input.name, "范梅");
        assert_eq!(input.gender, Some(Gender::Female));
        assert_eq!(input.birth_year, Some(1983));
    }

    #[test]
    fn gbk_csv_is_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,手机号码\n王芳,13900000008\n");
        let rows = read_file(&bytes, at_most(10)).expect("rows");
        assert_eq!(to_input(&rows[0]).expect("input").name, "王芳");
    }

    #[test]
    fn bad_years_are_named() {
        let rows = read_file(
            "name,phone,birth_year\n王芳,13900000008,19x0\n".as_bytes(),
            at_most(10),
        )
        .expect("rows");
        assert_eq!(to_input(&rows[0]).expect_err("year").field, "birth_year");
    }
}
