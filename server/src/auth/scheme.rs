//! The bearer security scheme every protected operation takes.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{CommitteeId, MemberId, SessionId};
use lvzhi_shared::members::Role;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::jwt::JwtKeys;
use crate::error::AppError;

/// Who is calling, as proven by a valid access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: MemberId,
    pub committee_id: CommitteeId,
    pub role: Role,
    /// The sign-in session (refresh-token family) the token was issued for.
    pub session_id: SessionId,
}

/// Organizers and admins: the office.
pub const OFFICE: &[Role] = &[Role::Organizer, Role::Admin];
/// Admins only.
pub const ADMINS: &[Role] = &[Role::Admin];

impl Caller {
    /// Refuses unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

// Three extractors over one documented scheme, so that an operation's
// signature states who may call it and the role is refused before the body is
// even read. Each operation's description repeats it in a "Who:" line.

/// Bearer JWT from `POST /auth/login`: any signed-in account.
#[derive(SecurityScheme)]
#[oai(
    rename = "BearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "any_role"
)]
pub struct BearerAuth(pub Caller);

/// Bearer JWT of an organizer or admin.
#[derive(SecurityScheme)]
#[oai(
    rename = "BearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "office_role"
)]
pub struct OfficeAuth(pub Caller);

/// Bearer JWT of an admin.
#[derive(SecurityScheme)]
#[oai(
    rename = "BearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "admin_role"
)]
pub struct AdminAuth(pub Caller);

async fn any_role(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    verify(req, &bearer.token)
}

async fn office_role(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    verify_role(req, &bearer.token, OFFICE)
}

async fn admin_role(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    verify_role(req, &bearer.token, ADMINS)
}

fn verify_role(req: &Request, token: &str, roles: &[Role]) -> poem::Result<Caller> {
    let caller = verify(req, token)?;
    caller.require(roles)?;
    Ok(caller)
}

fn verify(req: &Request, token: &str) -> poem::Result<Caller> {
    let auth = req
        .data::<Arc<Authenticator>>()
        .ok_or_else(|| AppError::internal("the authenticator is missing from the request"))?;
    Ok(auth.verify(token)?)
}

/// Turns a bearer token into a [`Caller`]: the signing keys and the accounts
/// disabled since their tokens were issued. The HTTP layer puts one in every
/// request's data for the checkers above.
pub struct Authenticator {
    pub jwt: JwtKeys,
    pub disabled: DisabledUsers,
}

impl Authenticator {
    pub fn verify(&self, token: &str) -> Result<Caller, AppError> {
        let claims = self.jwt.verify(token)?;
        if self.disabled.contains(claims.sub) {
            return Err(AppError::new(
                ErrorCode::AccountDisabled,
                "this account has been disabled",
            ));
        }
        let role = Role::parse(&claims.role)
            .ok_or_else(|| AppError::unauthorized("the access token is invalid"))?;
        Ok(Caller {
            user_id: claims.sub,
            committee_id: claims.cid,
            role,
            session_id: claims.sid,
        })
    }
}

/// Accounts disabled while their access tokens may still be alive. Checked on
/// every request so that disabling takes effect at once in this process;
/// other processes sharing the database catch up when the token expires.
#[derive(Default)]
pub struct DisabledUsers(RwLock<HashSet<MemberId>>);

impl DisabledUsers {
    pub fn new(ids: impl IntoIterator<Item = MemberId>) -> Self {
        Self(RwLock::new(ids.into_iter().collect()))
    }

    pub fn contains(&self, user_id: MemberId) -> bool {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&user_id)
    }

    pub fn set(&self, user_id: MemberId, disabled: bool) {
        let mut set = self.0.write().unwrap_or_else(|p| p.into_inner());
        if disabled {
            set.insert(user_id);
        } else {
            set.remove(&user_id);
        }
    }
}
