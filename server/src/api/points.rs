//! The duty record with points: the year's rules, the office's manual
//! entries, the close, members' records and the committee's summary (通报),
//! and disputes.

use std::sync::Arc;

use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{MemberId, PointsDisputeId, PointsEntryId};
use lvzhi_shared::points::{
    DisputeAcceptance, DisputeRefusal, DisputeStatus, NewDispute, NewPointsEntry, PointsDispute,
    PointsDisputeList, PointsEntry, PointsEntryList, PointsRecord, PointsRules, PointsSummary,
    PointsYear,
};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, AttachmentType};
use poem_openapi::{ApiResponse, Enum, OpenApi};

use super::formats::Formats;
use super::{ApiTags, Json, parse_id};
use crate::app::AppState;
use crate::auth::{BearerAuth, OfficeAuth};
use crate::domain::committees;
use crate::domain::points::{close, disputes, entries, records, rules};
use crate::error::{ApiResult, AppError};
use crate::export::Table;

pub struct PointsApi {
    pub state: Arc<AppState>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum SheetFormat {
    Json,
    Xlsx,
}

#[derive(ApiResponse)]
enum RecordResponse {
    #[oai(status = 200)]
    Json(Json<PointsRecord>),
    /// The record's lines with their sources, the categories and the total.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
enum SummaryResponse {
    #[oai(status = 200)]
    Json(Json<PointsSummary>),
    /// The 通报: place, name, number, sector, points, grade.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
enum EntryCreated {
    #[oai(status = 201)]
    Created(Json<PointsEntry>),
}

#[derive(ApiResponse)]
enum EntryRemoved {
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
enum DisputeFiled {
    /// Filed (or, asked again, the open dispute already filed).
    #[oai(status = 201)]
    Created(Json<PointsDispute>),
}

/// A year in a path: a number, else the parameter is named.
fn path_year(raw: &str) -> Result<i32, AppError> {
    raw.parse().map_err(|_| {
        AppError::new(ErrorCode::InvalidParameter, "a year such as 2026").with_field("year")
    })
}

fn sheet(table: &Table, sheet: &str, name: String) -> Result<Attachment<Vec<u8>>, AppError> {
    Ok(Attachment::new(table.to_xlsx(sheet)?)
        .attachment_type(AttachmentType::Attachment)
        .filename(name))
}

#[OpenApi(tag = "ApiTags::Points")]
impl PointsApi {
    /// A year's points rules
    ///
    /// Who: any signed-in account (members see how points are earned).
    /// Points per event, caps per category, the first author's share of a
    /// co-written report, grade thresholds, the dispute window; whether the
    /// year is closed. A year nobody set runs on the defaults.
    #[oai(
        path = "/points/years/:year",
        method = "get",
        operation_id = "get_points_year"
    )]
    async fn year(&self, auth: BearerAuth, year: Path<String>) -> ApiResult<Json<PointsYear>> {
        let year = path_year(&year.0)?;
        let ctx = self.state.ctx(auth.0).await?;
        let y = self
            .state
            .read(&ctx, move |conn, ctx| rules::year(conn, ctx, year))
            .await?;
        Ok(Json(y))
    }

    /// Set a year's points rules
    ///
    /// Who: organizer, admin. Replaces the year's rules whole, while the
    /// year is open (`year_closed` after). One rule per event and one cap
    /// per category; numbers from 0 to 10,000 with at most two decimals.
    #[oai(
        path = "/points/years/:year/rules",
        method = "put",
        operation_id = "set_points_rules"
    )]
    async fn set_rules(
        &self,
        auth: OfficeAuth,
        year: Path<String>,
        body: Json<PointsRules>,
    ) -> ApiResult<Json<PointsYear>> {
        let year = path_year(&year.0)?;
        let ctx = self.state.ctx(auth.0).await?;
        let y = self
            .state
            .write(&ctx, move |conn, ctx| {
                rules::replace(conn, ctx, year, &body.0)
            })
            .await?;
        Ok(Json(y))
    }

    /// Close a year
    ///
    /// Who: organizer, admin. Every member's record is computed once more
    /// and frozen with its grade and place; rules and entries of the year no
    /// longer change, and members are told until when they may dispute.
    /// A year is closed once (`year_closed` again).
    #[oai(
        path = "/points/years/:year/close",
        method = "post",
        operation_id = "close_points_year"
    )]
    async fn close(&self, auth: OfficeAuth, year: Path<String>) -> ApiResult<Json<PointsYear>> {
        let year = path_year(&year.0)?;
        let ctx = self.state.ctx(auth.0).await?;
        let y = self
            .state
            .write(&ctx, move |conn, ctx| close::close(conn, ctx, year))
            .await?;
        Ok(Json(y))
    }

    /// My duty record
    ///
    /// Who: any signed-in account. My lines for `year` (default: this one),
    /// each with its source and points, the categories within their caps,
    /// the total and grade: live while the year is open, frozen (with my
    /// place) once it is closed.
    #[oai(path = "/me/points", method = "get", operation_id = "my_points")]
    async fn mine(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
    ) -> ApiResult<Json<PointsRecord>> {
        let ctx = self.state.ctx(auth.0).await?;
        let year = year
            .0
            .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
        let me = ctx.caller.user_id;
        let record = self
            .state
            .read(&ctx, move |conn, ctx| {
                records::of_member(conn, ctx, year, me)
            })
            .await?;
        Ok(Json(record))
    }

    /// A member's duty record
    ///
    /// Who: organizer, admin. As the member reads it; `format=xlsx` as a sheet.
    #[oai(
        path = "/members/:id/points",
        method = "get",
        operation_id = "member_points"
    )]
    async fn of_member(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
        format: Query<Option<SheetFormat>>,
    ) -> ApiResult<Formats<RecordResponse>> {
        let id: MemberId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let year = year
            .0
            .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
        let record = self
            .state
            .read(&ctx, move |conn, ctx| {
                records::of_member(conn, ctx, year, id)
            })
            .await?;
        Ok(Formats(match format.0.unwrap_or(SheetFormat::Json) {
            SheetFormat::Json => RecordResponse::Json(Json(record)),
            SheetFormat::Xlsx => RecordResponse::Xlsx(sheet(
                &records::record_table(&record),
                "履职档案",
                format!("duty-record-{year}-{}.xlsx", record.member_id),
            )?),
        }))
    }

    /// The year's summary (通报)
    ///
    /// Who: organizer, admin. Every member's total, grade and place, best
    /// first, with the count of each grade: live while open, frozen once
    /// closed; `format=xlsx` as the sheet to publish.
    #[oai(
        path = "/points/summary",
        method = "get",
        operation_id = "points_summary"
    )]
    async fn summary(
        &self,
        auth: OfficeAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
        format: Query<Option<SheetFormat>>,
    ) -> ApiResult<Formats<SummaryResponse>> {
        let ctx = self.state.ctx(auth.0).await?;
        let year = year
            .0
            .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
        let summary = self
            .state
            .read(&ctx, move |conn, ctx| records::summary(conn, ctx, year))
            .await?;
        Ok(Formats(match format.0.unwrap_or(SheetFormat::Json) {
            SheetFormat::Json => SummaryResponse::Json(Json(summary)),
            SheetFormat::Xlsx => SummaryResponse::Xlsx(sheet(
                &records::summary_table(&summary),
                "履职积分通报",
                format!("duty-points-{year}.xlsx"),
            )?),
        }))
    }

    /// Record a manual entry
    ///
    /// Who: organizer, admin. What happened outside the app, with its
    /// evidence: a speech at the plenary, a proposal, an article (by the
    /// outlet's level), other duty. The same member, event and evidence is
    /// recorded once (`duplicate_entry`); not in a closed year.
    #[oai(
        path = "/points/entries",
        method = "post",
        operation_id = "add_points_entry"
    )]
    async fn add_entry(
        &self,
        auth: OfficeAuth,
        body: Json<NewPointsEntry>,
    ) -> ApiResult<EntryCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let entry = self
            .state
            .write(&ctx, move |conn, ctx| entries::add(conn, ctx, &body.0))
            .await?;
        Ok(EntryCreated::Created(Json(entry)))
    }

    /// Manual entries of a year
    ///
    /// Who: organizer, admin. Newest first; one member's with `member_id`.
    #[oai(
        path = "/points/entries",
        method = "get",
        operation_id = "list_points_entries"
    )]
    async fn list_entries(
        &self,
        auth: OfficeAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
        member_id: Query<Option<String>>,
    ) -> ApiResult<Json<PointsEntryList>> {
        let member: Option<MemberId> = match member_id.0.as_deref() {
            Some(raw) => Some(parse_id(raw, "member_id")?),
            None => None,
        };
        let ctx = self.state.ctx(auth.0).await?;
        let year = year
            .0
            .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
        let items = self
            .state
            .read(&ctx, move |conn, ctx| {
                entries::list(conn, ctx, year, member)
            })
            .await?;
        Ok(Json(PointsEntryList { items }))
    }

    /// Take back a manual entry
    ///
    /// Who: organizer, admin. While its year is open; an accepted dispute's
    /// adjustment stays.
    #[oai(
        path = "/points/entries/:id",
        method = "delete",
        operation_id = "remove_points_entry"
    )]
    async fn remove_entry(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<EntryRemoved> {
        let id: PointsEntryId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| entries::remove(conn, ctx, id))
            .await?;
        Ok(EntryRemoved::NoContent)
    }

    /// Dispute my record
    ///
    /// Who: a member. A line of my record (`line_key`, the line's `key`) or
    /// something missing from it (no key), with the reason: any time while
    /// the year is open, until `dispute_until` once closed. Asking again
    /// while the dispute is open answers the one already filed.
    #[oai(
        path = "/me/points/disputes",
        method = "post",
        operation_id = "dispute_my_points"
    )]
    async fn dispute(&self, auth: BearerAuth, body: Json<NewDispute>) -> ApiResult<DisputeFiled> {
        let ctx = self.state.ctx(auth.0).await?;
        let dispute = self
            .state
            .write(&ctx, move |conn, ctx| disputes::file(conn, ctx, &body.0))
            .await?;
        Ok(DisputeFiled::Created(Json(dispute)))
    }

    /// My disputes
    ///
    /// Who: any signed-in account. Newest first, with the office's answer.
    #[oai(
        path = "/me/points/disputes",
        method = "get",
        operation_id = "my_points_disputes"
    )]
    async fn my_disputes(&self, auth: BearerAuth) -> ApiResult<Json<PointsDisputeList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let items = self.state.read(&ctx, disputes::mine).await?;
        Ok(Json(PointsDisputeList { items }))
    }

    /// The disputes of a year
    ///
    /// Who: organizer, admin. Oldest first; `status=open` is what waits.
    #[oai(
        path = "/points/disputes",
        method = "get",
        operation_id = "list_points_disputes"
    )]
    async fn disputes(
        &self,
        auth: OfficeAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
        status: Query<Option<DisputeStatus>>,
    ) -> ApiResult<Json<PointsDisputeList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let year = year
            .0
            .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
        let items = self
            .state
            .read(&ctx, move |conn, ctx| {
                disputes::queue(conn, ctx, year, status.0)
            })
            .await?;
        Ok(Json(PointsDisputeList { items }))
    }

    /// Accept a dispute
    ///
    /// Who: organizer, admin. Adds an adjustment line of `points` to the
    /// member's record (into the frozen record, with its grade and the
    /// places, if the year is closed); the member is told.
    #[oai(
        path = "/points/disputes/:id/accept",
        method = "post",
        operation_id = "accept_points_dispute"
    )]
    async fn accept(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<DisputeAcceptance>,
    ) -> ApiResult<Json<PointsDispute>> {
        let id: PointsDisputeId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let d = self
            .state
            .write(&ctx, move |conn, ctx| {
                disputes::accept(conn, ctx, id, &body.0)
            })
            .await?;
        Ok(Json(d))
    }

    /// Refuse a dispute
    ///
    /// Who: organizer, admin. With the reason the member is told.
    #[oai(
        path = "/points/disputes/:id/refuse",
        method = "post",
        operation_id = "refuse_points_dispute"
    )]
    async fn refuse(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<DisputeRefusal>,
    ) -> ApiResult<Json<PointsDispute>> {
        let id: PointsDisputeId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let d = self
            .state
            .write(&ctx, move |conn, ctx| {
                disputes::refuse(conn, ctx, id, &body.0.reason)
            })
            .await?;
        Ok(Json(d))
    }
}
