use std::sync::Arc;

use lvzhi_shared::auth::{ActivateRequest, LoginRequest, RefreshRequest, TokenPair};
use poem::Request;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::Json;
use crate::app::AppState;
use crate::error::ApiResult;

pub struct AuthApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum LoggedOut {
    /// The session has ended.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign in with phone and password
    ///
    /// Who: anyone. Repeated failures for one phone or from one address are
    /// slowed, then refused with 429 and `Retry-After`.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(&self, req: &Request, body: Json<LoginRequest>) -> ApiResult<Json<TokenPair>> {
        let Json(LoginRequest { phone, password }) = body;
        let address = self.state.client_address(req);
        Ok(Json(
            self.state
                .sessions
                .login(&phone, password, &address)
                .await?,
        ))
    }

    /// Trade a refresh token for a new pair
    ///
    /// Who: anyone holding a refresh token. The old token dies; presenting it
    /// again ends the whole session (`refresh_token_reused`).
    #[oai(path = "/auth/refresh", method = "post", operation_id = "refresh")]
    async fn refresh(&self, body: Json<RefreshRequest>) -> ApiResult<Json<TokenPair>> {
        Ok(Json(
            self.state.sessions.refresh(&body.0.refresh_token).await?,
        ))
    }

    /// Sign out
    ///
    /// Who: anyone holding a refresh token. Ends that session; unknown tokens are ignored.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, body: Json<RefreshRequest>) -> ApiResult<LoggedOut> {
        self.state.sessions.logout(&body.0.refresh_token).await?;
        Ok(LoggedOut::NoContent)
    }

    /// Activate a new account with the office's code
    ///
    /// Who: anyone (a new member with the activation code from the office).
    /// Sets the password and signs in.
    #[oai(path = "/auth/activate", method = "post", operation_id = "activate")]
    async fn activate(
        &self,
        req: &Request,
        body: Json<ActivateRequest>,
    ) -> ApiResult<Json<TokenPair>> {
        let Json(ActivateRequest {
            phone,
            activation_code,
            new_password,
        }) = body;
        let address = self.state.client_address(req);
        Ok(Json(
            self.state
                .sessions
                .activate(&phone, &activation_code, new_password, &address)
                .await?,
        ))
    }
}
