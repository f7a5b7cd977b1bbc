use std::sync::Arc;

use lvzhi_shared::activities::{CommitteeStats, DutyRecord, FindingList};
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::app::AppState;
use crate::auth::{BearerAuth, OfficeAuth};
use crate::domain::{Ctx, activities::findings, activities::records, committees, meetings};
use crate::error::ApiResult;

pub struct RecordsApi {
    pub state: Arc<AppState>,
}

/// The year asked for, or the current one in the committee's time zone.
fn year_or_current(ctx: &Ctx, year: Option<i32>) -> i32 {
    year.unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz))
}

#[OpenApi(tag = "ApiTags::Records")]
impl RecordsApi {
    /// My duty record for a year
    ///
    /// Who: any signed-in account. `year` defaults to the current year in the
    /// committee's time zone; activities count in the year they start,
    /// cancelled ones not at all. Study hours come from trainings attended.
    #[oai(path = "/me/record", method = "get", operation_id = "my_record")]
    async fn record(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
    ) -> ApiResult<Json<DutyRecord>> {
        let ctx = self.state.ctx(auth.0).await?;
        let year = year_or_current(&ctx, year.0);
        let record = self
            .state
            .read(&ctx, move |conn, ctx| {
                let me = &ctx.caller;
                let mut record =
                    records::duty_record(conn, me.committee_id, me.user_id, year, ctx.tz)?;
                let bounds = committees::year_bounds(year, ctx.tz);
                meetings::record::add_to(
                    conn,
                    &mut record,
                    me.committee_id,
                    me.user_id,
                    bounds,
                    ctx.now,
                )?;
                Ok(record)
            })
            .await?;
        Ok(Json(record))
    }

    /// My findings
    ///
    /// Who: any signed-in account. Newest first, with their status and the
    /// department's response.
    #[oai(path = "/me/findings", method = "get", operation_id = "my_findings")]
    async fn my_findings(&self, auth: BearerAuth) -> ApiResult<Json<FindingList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let items = self.state.read(&ctx, findings::mine).await?;
        Ok(Json(FindingList { items }))
    }

    /// The committee's year in figures
    ///
    /// Who: organizer, admin. `year` defaults to the current year in the
    /// committee's time zone. By kind: published or completed activities
    /// starting in the year and their attendances. By sector: members (not
    /// disabled), members who attended at least once, and attendances. And
    /// the sums of the year's outreach outcomes.
    #[oai(path = "/stats", method = "get", operation_id = "committee_stats")]
    async fn stats(
        &self,
        auth: OfficeAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
    ) -> ApiResult<Json<CommitteeStats>> {
        let ctx = self.state.ctx(auth.0).await?;
        let year = year_or_current(&ctx, year.0);
        let stats = self
            .state
            .read(&ctx, move |conn, ctx| {
                records::committee_stats(conn, ctx.caller.committee_id, year, ctx.tz)
            })
            .await?;
        Ok(Json(stats))
    }
}
