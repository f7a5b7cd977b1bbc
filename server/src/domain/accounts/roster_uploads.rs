//! The console's import wizard: a roster file is uploaded once, kept, read
//! as a dry run the clerk checks row by row, and imported when they confirm.
//! The import is the very file that was checked; confirming twice (a
//! double click, a reload) imports once and shows the first result again.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::ids::{MemberId, UploadId};
use lvzhi_shared::members::ImportRowError;
use serde::{Deserialize, Serialize};

use crate::db::schema::roster_uploads;
use crate::db::{self, DbConnection};
use crate::domain::Ctx;
use crate::error::AppError;

use super::import;
use crate::domain::roster_files::{self, FileLimits, FileProblem};

/// How long an upload is kept: long enough to fix a row and come back to
/// it, short enough that personal data does not linger.
const KEPT_FOR_HOURS: i64 = 24;

/// What an import did, or (on a dry run) would do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub rows: u32,
    pub created: Vec<MemberId>,
    pub updated: u32,
    pub unchanged: u32,
    pub errors: Vec<ImportRowError>,
}

/// An upload as the wizard shows it.
pub struct Upload {
    pub id: UploadId,
    pub file_name: String,
    /// The dry run, until it is imported; then what the import did.
    pub report: Report,
    pub imported_at: Option<NaiveDateTime>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether the file reads as a roster at all (rows are judged by the dry run).
pub fn check(content: &[u8], limits: FileLimits) -> Result<(), FileProblem> {
    roster_files::read_file(content, limits).map(|_| ())
}

/// Keeps a roster file that reads as a roster (a file that does not is
/// refused here, before anything is stored), and forgets expired ones.
pub fn store(
    conn: &mut DbConnection,
    ctx: &Ctx,
    file_name: &str,
    content: &[u8],
    limits: FileLimits,
) -> Result<UploadId, AppError> {
    check(content, limits)?;
    diesel::delete(
        roster_uploads::table
            .filter(roster_uploads::uploaded_at.lt(ctx.now - Duration::hours(KEPT_FOR_HOURS))),
    )
    .execute(conn)?;
    let id = UploadId::new_v7();
    let name: String = file_name.chars().take(200).collect();
    diesel::insert_into(roster_uploads::table)
        .values((
            roster_uploads::id.eq(id),
            roster_uploads::committee_id.eq(ctx.caller.committee_id),
            roster_uploads::uploaded_by.eq(ctx.caller.user_id),
            roster_uploads::file_name.eq(name),
            roster_uploads::content.eq(content),
            roster_uploads::uploaded_at.eq(ctx.now),
        ))
        .execute(conn)?;
    Ok(id)
}

type Stored = (String, Vec<u8>, Option<NaiveDateTime>, Option<String>);

/// An upload of the caller's committee that has not expired.
fn load(conn: &mut DbConnection, ctx: &Ctx, id: UploadId) -> Result<Stored, AppError> {
    roster_uploads::table
        .filter(roster_uploads::id.eq(id))
        .filter(roster_uploads::committee_id.eq(ctx.caller.committee_id))
        .filter(roster_uploads::uploaded_at.ge(ctx.now - Duration::hours(KEPT_FOR_HOURS)))
        .select((
            roster_uploads::file_name,
            roster_uploads::content,
            roster_uploads::imported_at,
            roster_uploads::outcome,
        ))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("upload"))
}

fn outcome_of(stored: Option<String>) -> Result<Report, AppError> {
    let text = stored.unwrap_or_default();
    serde_json::from_str(&text)
        .map_err(|e| AppError::internal(format!("stored import outcome: {e}")))
}

fn run(
    conn: &mut DbConnection,
    ctx: &Ctx,
    content: &[u8],
    limits: FileLimits,
    code_days: i64,
) -> Result<Report, AppError> {
    let rows = roster_files::read_file(content, limits)?;
    let applied = import::apply(conn, ctx.caller.committee_id, &rows, code_days, ctx.now)?;
    Ok(Report {
        rows: count(rows.len()),
        created: applied.created.iter().map(|(user, _)| user.id).collect(),
        updated: applied.updated,
        unchanged: applied.unchanged,
        errors: applied.errors,
    })
}

/// The upload with its dry run (nothing is written), or, once imported,
/// with what the import did.
pub fn preview(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: UploadId,
    limits: FileLimits,
) -> Result<Upload, AppError> {
    let (file_name, content, imported_at, outcome) = load(conn, ctx, id)?;
    let report = match imported_at {
        Some(_) => outcome_of(outcome)?,
        None => db::rehearse_tx(conn, |conn| run(conn, ctx, &content, limits, 1))?,
    };
    Ok(Upload {
        id,
        file_name,
        report,
        imported_at,
    })
}

/// Imports the upload inside the caller's write transaction, once: a
/// second call returns the first call's report and changes nothing. The
/// file itself is dropped; its outcome stays until the upload expires.
pub fn confirm(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: UploadId,
    limits: FileLimits,
    code_days: i64,
) -> Result<Report, AppError> {
    if let DbConnection::Postgres(pg) = conn {
        // Two confirmations at once: the second waits here, then sees the first's.
        diesel::sql_query("SELECT id FROM roster_uploads WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    let (_, content, imported_at, outcome) = load(conn, ctx, id)?;
    if imported_at.is_some() {
        return outcome_of(outcome);
    }
    let report = run(conn, ctx, &content, limits, code_days)?;
    let outcome = serde_json::to_string(&report)
        .map_err(|e| AppError::internal(format!("import outcome: {e}")))?;
    diesel::update(roster_uploads::table.filter(roster_uploads::id.eq(id)))
        .set((
            roster_uploads::imported_at.eq(Some(ctx.now)),
            roster_uploads::outcome.eq(Some(outcome)),
            roster_uploads::content.eq(Vec::<u8>::new()),
        ))
        .execute(conn)?;
    Ok(report)
}

/// The members an imported upload added (none before it is imported).
pub fn created(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: UploadId,
) -> Result<Vec<MemberId>, AppError> {
    let (_, _, imported_at, outcome) = load(conn, ctx, id)?;
    Ok(match imported_at {
        Some(_) => outcome_of(outcome)?.created,
        None => Vec::new(),
    })
}
