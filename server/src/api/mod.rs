//! The HTTP API: one file per tag. Handlers parse, authorize, call `domain`
//! and map the result; rules live in `domain`.

mod activities;
mod appraisals;
mod auth;
mod calendar;
mod committee;
mod document;
mod findings;
mod formats;
mod json;
mod me;
mod meetings;
mod members;
mod notifications;
mod nul_guard;
pub(crate) mod ops;
mod page_size;
mod points;
mod records;
mod reports;
mod routes;
mod uploads;

use std::sync::Arc;

use poem_openapi::{OpenApiService, Tags};

use crate::app::AppState;
use crate::error::AppError;

pub use calendar::serve_feed as calendar_feed;
pub use document::spec_endpoint;
pub(crate) use json::Json;
pub(crate) use nul_guard::refuse_nul;
pub use routes::{allowed_methods, body_limit};

#[derive(Tags)]
pub enum ApiTags {
    /// Sign-in, token refresh, activation (public).
    Auth,
    /// The signed-in account.
    Me,
    /// The roster (organizers and admins).
    Members,
    /// The committee and its sectors.
    Committee,
    /// Training, outreach and inspection trips: sign-up, check-in, attendance.
    Activities,
    /// Findings from inspection trips and the outcomes of outreach.
    Findings,
    /// Duty records and the committee's statistics.
    Records,
    /// Phones, the inbox, and announcements.
    Notifications,
    /// Bodies and formal meetings: notices, answers and leave, check-in, quorum.
    Meetings,
    /// Democratic appraisal by secret ballot, and rectifications.
    Appraisals,
    /// Public-opinion reports (社情民意): drafts, the office's queue,
    /// numbered issues, forwarding upward and what became of them.
    Reports,
    /// The duty record with points (履职积分): rules, manual entries, the
    /// year's close, records, the summary (通报) and disputes.
    Points,
}

pub type Apis = (
    auth::AuthApi,
    me::MeApi,
    members::MembersApi,
    committee::CommitteeApi,
    activities::ActivitiesApi,
    findings::FindingsApi,
    records::RecordsApi,
    notifications::NotificationsApi,
    meetings::MeetingsApi,
    appraisals::AppraisalsApi,
    reports::ReportsApi,
    points::PointsApi,
    calendar::CalendarApi,
);

/// The OpenAPI service for `/api/v1`.
pub fn service(state: Arc<AppState>) -> OpenApiService<Apis, ()> {
    let apis = (
        auth::AuthApi {
            state: state.clone(),
        },
        me::MeApi {
            state: state.clone(),
        },
        members::MembersApi {
            state: state.clone(),
        },
        committee::CommitteeApi {
            state: state.clone(),
        },
        activities::ActivitiesApi {
            state: state.clone(),
        },
        findings::FindingsApi {
            state: state.clone(),
        },
        records::RecordsApi {
            state: state.clone(),
        },
        notifications::NotificationsApi {
            state: state.clone(),
        },
        meetings::MeetingsApi {
            state: state.clone(),
        },
        appraisals::AppraisalsApi {
            state: state.clone(),
        },
        reports::ReportsApi {
            state: state.clone(),
        },
        points::PointsApi {
            state: state.clone(),
        },
        calendar::CalendarApi { state },
    );
    OpenApiService::new(apis, "Lvzhi API", env!("CARGO_PKG_VERSION"))
        .description(
            "The API of Lvzhi (履职), the member engagement platform of a political consultative \
             committee office. Errors always have the body `{code, message, field?}`.",
        )
        .server("/api/v1")
}

/// A path id of kind `T`. Ids are UUIDs; anything else is a malformed
/// parameter (named `field`), not a missing record. Handlers take paths as
/// `Path<String>` and parse here: a `Path<T>` would make poem-openapi name
/// the parameter at fault `param0`.
fn parse_id<T: std::str::FromStr>(raw: &str, field: &'static str) -> Result<T, AppError> {
    raw.parse().map_err(|_| {
        AppError::new(lvzhi_shared::ErrorCode::InvalidParameter, "malformed id").with_field(field)
    })
}
