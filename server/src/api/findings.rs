use std::sync::Arc;

use lvzhi_shared::activities::{Finding, FindingList, FindingPatch, NewFinding, Outcome};
use lvzhi_shared::ids::FindingId;
use poem_openapi::param::{Header, Path};
use poem_openapi::{ApiResponse, OpenApi};

use super::Json;
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::{BearerAuth, OfficeAuth};
use crate::domain::activities::findings;
use crate::domain::idempotency::IdemKey;
use crate::error::{ApiResult, AppError};

pub struct FindingsApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum FindingCreated {
    /// Submitted; the office will forward it.
    #[oai(status = 201)]
    Created(Json<Finding>),
}

#[OpenApi(tag = "ApiTags::Findings")]
impl FindingsApi {
    /// Submit a finding from an inspection trip
    ///
    /// Who: any signed-in account registered for the inspection trip. The
    /// trip must be published or completed. Send an `Idempotency-Key` to make
    /// retries safe.
    #[oai(
        path = "/activities/:id/findings",
        method = "post",
        operation_id = "submit_finding"
    )]
    async fn submit(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<NewFinding>,
    ) -> ApiResult<FindingCreated> {
        let caller = auth.0;
        let id = parse_id(&id.0, "id")?;
        let request = serde_json::to_string(&body.0).map_err(AppError::internal)?;
        let idem = IdemKey::new(
            caller.user_id,
            idempotency_key.0.as_deref(),
            "submit_finding",
            id,
            &request,
        )?;
        let ctx = self.state.ctx(caller).await?;
        let finding = self
            .state
            .write(&ctx, move |conn, ctx| {
                findings::submit(conn, ctx, id, &body.0, idem.as_ref())
            })
            .await?;
        Ok(FindingCreated::Created(Json(finding)))
    }

    /// The findings of an inspection trip
    ///
    /// Who: any signed-in account. The office sees every finding of the
    /// activity; a member sees only their own. Oldest first.
    #[oai(
        path = "/activities/:id/findings",
        method = "get",
        operation_id = "list_findings"
    )]
    async fn list(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<FindingList>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| {
                findings::list_for_activity(conn, ctx, id)
            })
            .await?;
        Ok(Json(FindingList { items }))
    }

    /// Move a finding along
    ///
    /// Who: organizer, admin. The path is `submitted → forwarded → adopted |
    /// answered`: `forwarded` needs the `department`, `adopted` and
    /// `answered` need the department's `response`, and the author is then
    /// notified. Any other step is refused with `invalid_transition`.
    #[oai(
        path = "/findings/:id",
        method = "patch",
        operation_id = "update_finding"
    )]
    async fn advance(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<FindingPatch>,
    ) -> ApiResult<Json<Finding>> {
        let id: FindingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let finding = self
            .state
            .write(&ctx, move |conn, ctx| {
                findings::advance(conn, ctx, id, &body.0)
            })
            .await?;
        Ok(Json(finding))
    }

    /// Record an outreach activity's outcome
    ///
    /// Who: organizer, admin. For outreach activities that are published or
    /// completed; a second record replaces the first.
    #[oai(
        path = "/activities/:id/outcome",
        method = "put",
        operation_id = "record_outcome"
    )]
    async fn record_outcome(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<Outcome>,
    ) -> ApiResult<Json<Outcome>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let outcome = self
            .state
            .write(&ctx, move |conn, ctx| {
                findings::record_outcome(conn, ctx, id, &body.0)
            })
            .await?;
        Ok(Json(outcome))
    }

    /// An outreach activity's outcome
    ///
    /// Who: any signed-in account that can see the activity. Not found until
    /// one is recorded.
    #[oai(
        path = "/activities/:id/outcome",
        method = "get",
        operation_id = "get_outcome"
    )]
    async fn outcome(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<Outcome>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let outcome = self
            .state
            .read(&ctx, move |conn, ctx| findings::outcome(conn, ctx, id))
            .await?;
        Ok(Json(outcome))
    }
}
