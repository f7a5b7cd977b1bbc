use std::sync::Arc;

use lvzhi_shared::audit::AuditPage;
use lvzhi_shared::committees::{
    Committee, CommitteeCreated, CommitteePatch, CommitteeTree, NewCommittee, NewSector, Sector,
};
use lvzhi_shared::ids::CommitteeId;
use lvzhi_shared::members::ActivationCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use super::Json;
use super::page_size::PageSize;
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::{AdminAuth, BearerAuth, OfficeAuth};
use crate::domain::accounts::{hierarchy, members};
use crate::domain::{audit, committees};
use crate::error::ApiResult;

pub struct CommitteeApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum SectorCreated {
    #[oai(status = 201)]
    Created(Json<Sector>),
}

#[derive(ApiResponse)]
enum Founded {
    #[oai(status = 201)]
    Created(Json<CommitteeCreated>),
}

#[OpenApi(tag = "ApiTags::Committee")]
impl CommitteeApi {
    /// The committee tree below mine
    ///
    /// Who: organizer, admin. My committee (depth 0) and every committee
    /// below it, each parent before its children; nothing beside or above.
    #[oai(path = "/committees", method = "get", operation_id = "list_committees")]
    async fn tree(&self, auth: OfficeAuth) -> ApiResult<Json<CommitteeTree>> {
        let ctx = self.state.ctx(auth.0).await?;
        let items = self.state.read(&ctx, hierarchy::tree).await?;
        Ok(Json(CommitteeTree { items }))
    }

    /// Create a committee below mine
    ///
    /// Who: admin. Under my committee or one below it (`parent_id`), of a
    /// lower level (`level_not_below_parent` otherwise; `unknown_committee`
    /// for a parent outside my tree), with its own sectors, time zone and
    /// language (the parent's by default) and its first admin, whose
    /// activation code is in the answer (shown once).
    #[oai(
        path = "/committees",
        method = "post",
        operation_id = "create_committee"
    )]
    async fn create_child(&self, auth: AdminAuth, body: Json<NewCommittee>) -> ApiResult<Founded> {
        let ctx = self.state.ctx(auth.0).await?;
        let days = self.state.config.auth.activation_code_days;
        let founded = self
            .state
            .write(&ctx, move |conn, ctx| {
                hierarchy::create_child(conn, ctx, &body.0, days)
            })
            .await?;
        let tz = self
            .state
            .time_zones
            .of(&self.state.db, founded.committee.id)
            .await?;
        Ok(Founded::Created(Json(CommitteeCreated {
            admin: members::to_activation_code(&founded.admin.0, founded.code, tz),
            committee: committees::to_committee(founded.committee),
        })))
    }

    /// My committee
    ///
    /// Who: any signed-in account.
    #[oai(path = "/committee", method = "get", operation_id = "get_committee")]
    async fn committee(&self, auth: BearerAuth) -> ApiResult<Json<Committee>> {
        let id = auth.0.committee_id;
        let row = self
            .state
            .db
            .run(move |conn| committees::load(conn, id))
            .await?;
        Ok(Json(committees::to_committee(row)))
    }

    /// Change the committee's notification settings
    ///
    /// Who: admin. Language of automatic notifications and quiet hours
    /// (non-urgent pushes wait until they end; the inbox gets them at once).
    #[oai(
        path = "/committee",
        method = "patch",
        operation_id = "patch_committee"
    )]
    async fn patch(
        &self,
        auth: AdminAuth,
        body: Json<CommitteePatch>,
    ) -> ApiResult<Json<Committee>> {
        let ctx = self.state.ctx(auth.0).await?;
        let row = self
            .state
            .write(&ctx, move |conn, ctx| {
                committees::patch(conn, ctx.caller.committee_id, &body.0)
            })
            .await?;
        Ok(Json(committees::to_committee(row)))
    }

    /// A new activation code for a committee's first admin
    ///
    /// Who: admin of a committee above it. While that admin has not
    /// activated (a lost code): the earlier code stops working. After
    /// activation: `invalid_transition` (their own office issues codes).
    #[oai(
        path = "/committees/:id/admin-activation-code",
        method = "post",
        operation_id = "reissue_committee_admin_code"
    )]
    async fn reissue_admin_code(
        &self,
        auth: AdminAuth,
        id: Path<String>,
    ) -> ApiResult<Json<ActivationCode>> {
        let id: CommitteeId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let days = self.state.config.auth.activation_code_days;
        let (admin, code) = self
            .state
            .write(&ctx, move |conn, ctx| {
                hierarchy::reissue_admin_code(conn, ctx, id, days)
            })
            .await?;
        let tz = self.state.time_zones.of(&self.state.db, id).await?;
        Ok(Json(members::to_activation_code(&admin, code, tz)))
    }

    /// The committee's sectors (界别)
    ///
    /// Who: any signed-in account.
    #[oai(path = "/sectors", method = "get", operation_id = "list_sectors")]
    async fn sectors(&self, auth: BearerAuth) -> ApiResult<Json<Vec<Sector>>> {
        let id = auth.0.committee_id;
        Ok(Json(
            self.state
                .db
                .run(move |conn| committees::list_sectors(conn, id))
                .await?,
        ))
    }

    /// Add a sector
    ///
    /// Who: admin.
    #[oai(path = "/sectors", method = "post", operation_id = "create_sector")]
    async fn add_sector(&self, auth: AdminAuth, body: Json<NewSector>) -> ApiResult<SectorCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let sector = self
            .state
            .write(&ctx, move |conn, ctx| {
                committees::add_sector(conn, ctx.caller.committee_id, &body.0.name, ctx.now)
            })
            .await?;
        Ok(SectorCreated::Created(Json(sector)))
    }

    /// The audit log (操作日志)
    ///
    /// Who: admin. Newest first: who exported personal data (rosters,
    /// activation codes), changed a role, disabled or enabled an account,
    /// acted for a member or sent an announcement, through the API or the
    /// console, with the request's id; pages with `cursor`. Append-only.
    #[oai(path = "/audit-log", method = "get", operation_id = "list_audit_log")]
    async fn audit_log(
        &self,
        auth: AdminAuth,
        cursor: Query<Option<String>>,
        limit: Query<Option<PageSize>>,
    ) -> ApiResult<Json<AuditPage>> {
        let ctx = self.state.ctx(auth.0).await?;
        let limit = PageSize::or_default(limit.0);
        let (items, next_cursor) = self
            .state
            .read(&ctx, move |conn, ctx| {
                audit::page(conn, ctx, cursor.0.as_deref(), limit)
            })
            .await?;
        Ok(Json(AuditPage { items, next_cursor }))
    }
}
