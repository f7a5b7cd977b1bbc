//! The one error the app sees: only cases it can act on, each `reason` safe
//! to show. (Not `message`: Kotlin exceptions already have one.)

use lvzhi_shared::ErrorCode;

use crate::core;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LvzhiError {
    /// No connection or no answer in time: offer to retry.
    #[error("network: {reason}")]
    Network { reason: String },
    /// Sign-in refused (wrong phone, password or activation code).
    #[error("sign-in refused: {reason}")]
    Unauthorized { code: ErrorCode, reason: String },
    /// The session is over: show the sign-in screen.
    #[error("session expired")]
    SessionExpired,
    /// Not allowed for this account (role, audience, disabled).
    #[error("forbidden: {reason}")]
    Forbidden { code: ErrorCode, reason: String },
    #[error("not found: {reason}")]
    NotFound { reason: String },
    /// Input breaks a rule; `field` names it, `code` says which rule.
    #[error("invalid: {reason}")]
    Invalid {
        code: ErrorCode,
        field: Option<String>,
        reason: String,
    },
    /// Not possible now: already signed up, activity full or closed, …
    #[error("conflict: {reason}")]
    Conflict { code: ErrorCode, reason: String },
    /// Too many attempts or the server is busy; wait and retry.
    #[error("busy: {reason}")]
    Busy {
        retry_after_secs: Option<u64>,
        reason: String,
    },
    #[error("server: {reason}")]
    Server { reason: String },
}

impl From<core::Error> for LvzhiError {
    fn from(e: core::Error) -> Self {
        use core::Error as E;
        match e {
            E::Network { message } => Self::Network { reason: message },
            E::Unauthorized { code, message } => Self::Unauthorized {
                code,
                reason: message,
            },
            E::SessionExpired => Self::SessionExpired,
            E::Forbidden { code, message } => Self::Forbidden {
                code,
                reason: message,
            },
            E::NotFound { message } => Self::NotFound { reason: message },
            E::Invalid {
                code,
                field,
                message,
            } => Self::Invalid {
                code,
                field,
                reason: message,
            },
            E::Conflict { code, message } => Self::Conflict {
                code,
                reason: message,
            },
            E::Busy {
                retry_after_secs,
                message,
            } => Self::Busy {
                retry_after_secs,
                reason: message,
            },
            E::Server { message } => Self::Server { reason: message },
        }
    }
}
