use std::sync::Arc;

use lvzhi_shared::activities::{CommitteeStats, DutyRecord, FindingList};
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::app::AppState;
use crate::auth::{BearerAuth, Caller, OfficeAuth};
use crate::domain::{findings, records};
use crate::error::{ApiResult, AppError};

pub struct RecordsApi {
    pub state: Arc<AppState>,
}

impl RecordsApi {
    /// The year asked for, or the current one in the committee's time zone.
    async fn year(
        &self,
        caller: &Caller,
        year: Option<i32>,
    ) -> Result<(i32, chrono_tz::Tz), AppError> {
        let tz = self
            .state
            .time_zones
            .of(&self.state.db, &caller.committee_id)
            .await?;
        let year = year.unwrap_or_else(|| records::current_year(self.state.clock.now(), tz));
        Ok((year, tz))
    }
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
        let caller = auth.0;
        let (year, tz) = self.year(&caller, year.0).await?;
        let record = self
            .state
            .db
            .run(move |conn| {
                records::duty_record(conn, &caller.committee_id, &caller.user_id, year, tz)
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
        let caller = auth.0;
        let tz = self
            .state
            .time_zones
            .of(&self.state.db, &caller.committee_id)
            .await?;
        let items = self
            .state
            .db
            .run(move |conn| findings::mine(conn, &caller, tz))
            .await?;
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
        let caller = auth.0;
        let (year, tz) = self.year(&caller, year.0).await?;
        let stats = self
            .state
            .db
            .run(move |conn| records::committee_stats(conn, &caller.committee_id, year, tz))
            .await?;
        Ok(Json(stats))
    }
}
