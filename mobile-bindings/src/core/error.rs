//! What can go wrong, as the app can act on it. Messages are the server's
//! (safe to show by contract) or our own; never tokens or personal data.

use lvzhi_shared::{ErrorBody, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server could not be reached or did not answer in time: retry.
    #[error("network: {message}")]
    Network { message: String },
    /// Sign-in refused: wrong phone, password or activation code.
    #[error("sign-in refused: {message}")]
    Unauthorized { code: ErrorCode, message: String },
    /// The session is over (signed out elsewhere, expired, or revoked): show sign-in.
    #[error("session expired")]
    SessionExpired,
    /// Signed in, but not allowed (role, audience, disabled account).
    #[error("forbidden: {message}")]
    Forbidden { code: ErrorCode, message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    /// The input breaks a rule; `field` names the input at fault.
    #[error("invalid {field:?}: {message}")]
    Invalid {
        code: ErrorCode,
        field: Option<String>,
        message: String,
    },
    /// The state does not allow it now: already signed up, full, closed, …
    #[error("conflict: {message}")]
    Conflict { code: ErrorCode, message: String },
    /// Too many attempts or the server is busy: wait `retry_after_secs`.
    #[error("busy: {message}")]
    Busy {
        retry_after_secs: Option<u64>,
        message: String,
    },
    /// A fault on the server's side.
    #[error("server: {message}")]
    Server { message: String },
}

/// A rule the contract states, broken before anything was sent: the same
/// code and field the server would answer with.
impl From<lvzhi_shared::validate::FieldError> for Error {
    fn from(e: lvzhi_shared::validate::FieldError) -> Self {
        Self::Invalid {
            code: e.code,
            field: Some(e.field.to_owned()),
            message: e.message,
        }
    }
}

impl Error {
    /// From an error answer of the API.
    pub(crate) fn from_response(
        status: u16,
        body: Option<ErrorBody>,
        retry_after: Option<u64>,
    ) -> Self {
        let Some(ErrorBody {
            code,
            message,
            field,
        }) = body
        else {
            return match status {
                404 => Self::NotFound {
                    message: "not found".into(),
                },
                429 | 503 => Self::Busy {
                    retry_after_secs: retry_after,
                    message: "the server is busy".into(),
                },
                _ => Self::Server {
                    message: format!("unexpected answer ({status})"),
                },
            };
        };
        match status {
            401 => Self::Unauthorized { code, message },
            403 => Self::Forbidden { code, message },
            404 => Self::NotFound { message },
            409 => Self::Conflict { code, message },
            400 | 413 | 415 | 422 => Self::Invalid {
                code,
                field,
                message,
            },
            429 | 503 => Self::Busy {
                retry_after_secs: retry_after,
                message,
            },
            _ => Self::Server { message },
        }
    }

    pub(crate) fn network(e: &reqwest::Error) -> Self {
        let message = if e.is_timeout() {
            "the server did not answer in time"
        } else if e.is_connect() {
            "cannot reach the server"
        } else if e.is_decode() {
            "the server's answer could not be read"
        } else {
            "the connection failed"
        };
        Self::Network {
            message: message.into(),
        }
    }
}
