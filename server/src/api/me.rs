use std::sync::Arc;

use lvzhi_shared::auth::ChangePasswordRequest;
use lvzhi_shared::members::Me;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::Json;
use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::domain::{committees, members, sessions};
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
        let caller = auth.0;
        let tz = self
            .state
            .time_zones
            .of(&self.state.db, &caller.committee_id)
            .await?;
        let (member, committee) = self
            .state
            .db
            .run(move |conn| {
                let member = members::get(conn, &caller.committee_id, &caller.user_id)?;
                let committee = committees::load(conn, &caller.committee_id)?;
                Ok((member, committee))
            })
            .await?;
        Ok(Json(Me {
            member: members::to_member(member, tz),
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
        sessions::change_password(&self.state, &auth.0, current_password, new_password).await?;
        Ok(PasswordChanged::NoContent)
    }
}
