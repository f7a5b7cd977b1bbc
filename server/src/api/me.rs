use std::sync::Arc;

use lvzhi_shared::auth::ChangePasswordRequest;
use lvzhi_shared::members::Me;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::Json;
use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::domain::{accounts::members, committees};
use crate::error::ApiResult;

pub struct MeApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum PasswordChanged {
    /// Changed; other sessions of this account have ended.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "ApiTags::Me")]
impl MeApi {
    /// My account and committee
    ///
    /// Who: any signed-in account.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, auth: BearerAuth) -> ApiResult<Json<Me>> {
        let ctx = self.state.ctx(auth.0).await?;
        let (member, committee) = self
            .state
            .read(&ctx, move |conn, ctx| {
                let me = &ctx.caller;
                let member = members::get(conn, me.committee_id, me.user_id)?;
                let committee = committees::load(conn, me.committee_id)?;
                Ok((member, committee))
            })
            .await?;
        Ok(Json(Me {
            member: members::to_member(member, ctx.tz),
            committee: committees::to_committee(committee),
        }))
    }

    /// Change my password
    ///
    /// Who: any signed-in account. Ends the account's other sessions.
    #[oai(
        path = "/me/password",
        method = "put",
        operation_id = "change_password"
    )]
    async fn change_password(
        &self,
        auth: BearerAuth,
        body: Json<ChangePasswordRequest>,
    ) -> ApiResult<PasswordChanged> {
        let Json(ChangePasswordRequest {
            current_password,
            new_password,
        }) = body;
        self.state
            .sessions
            .change_password(&auth.0, current_password, new_password)
            .await?;
        Ok(PasswordChanged::NoContent)
    }
}
