//! The one error the app sees: only cases it can act on, messages safe to show.

use lvzhi_shared::ErrorCode;

use crate::core;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LvzhiError {
    /// No connection or no answer in time: offer to retry.
    #[error("network: {message}")]
    Network { message: String },
    /// Sign-in refused (wrong phone, password or activation code).
    #[error("sign-in refused: {message}")]
    Unauthorized { code: ErrorCode, message: String },
    /// The session is over: show the sign-in screen.
    #[error("session expired")]
    SessionExpired,
    /// Not allowed for this account (role, audience, disabled).
    #[error("forbidden: {message}")]
    Forbidden { code: ErrorCode, message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    /// Input breaks a rule; `field` names it, `code` says which rule.
    #[error("invalid: {message}")]
    Invalid {
        code: ErrorCode,
        field: Option<String>,
        message: String,
    },
    /// Not possible now: already signed up, activity full or closed, …
    #[error("conflict: {message}")]
    Conflict { code: ErrorCode, message: String },
    /// Too many attempts or the server is busy; wait and retry.
    #[error("busy: {message}")]
    Busy {
        retry_after_secs: Option<u64>,
        message: String,
    },
    #[error("server: {message}")]
    Server { message: String },
}

impl From<core::Error> for LvzhiError {
    fn from(e: core::Error) -> Self {
        use core::Error as E;
        match e {
            E::Network { message } => Self::Network { message },
            E::Unauthorized { code, message } => Self::Unauthorized { code, message },
            E::SessionExpired => Self::SessionExpired,
            E::Forbidden { code, message } => Self::Forbidden { code, message },
            E::NotFound { message } => Self::NotFound { message },
            E::Invalid {
                code,
                field,
                message,
            } => Self::Invalid {
                code,
                field,
                message,
            },
            E::Conflict { code, message } => Self::Conflict { code, message },
            E::Busy {
                retry_after_secs,
                message,
            } => Self::Busy {
                retry_after_secs,
                message,
            },
            E::Server { message } => Self::Server { message },
        }
    }
}
