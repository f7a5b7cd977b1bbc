//! The server's error type and its one JSON shape on the wire.

use lvzhi_shared::validate::FieldError;
use lvzhi_shared::{ErrorBody, ErrorCode};
use poem::Response;
use poem::http::StatusCode;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

/// Anything a request can fail with. Carries a code from the contract, a
/// message safe to show, the field at fault and, for throttling, a wait.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "your role may not do this")
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// A fault of ours. The detail goes to the log; the caller sees a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(detail = %detail, "internal error");
        Self::new(
            ErrorCode::InternalError,
            "internal error; it has been logged",
        )
    }

    /// The database cannot be reached (or the pool is exhausted).
    pub fn db_unavailable(detail: impl std::fmt::Display) -> Self {
        tracing::warn!(detail = %detail, "database unavailable");
        Self::new(
            ErrorCode::ServiceUnavailable,
            "the database is unavailable; try again shortly",
        )
        .with_retry_after(2)
    }

    /// The database answers but cannot store changes (disk full, read-only).
    /// Reads still work; writes wait for an operator to free space.
    pub fn storage_unavailable(detail: impl std::fmt::Display) -> Self {
        tracing::error!(detail = %detail, "database cannot store changes");
        Self::new(
            ErrorCode::ServiceUnavailable,
            "the database cannot store changes right now (its disk is full or read-only); \
             nothing was changed; reading still works; try again later",
        )
        .with_retry_after(30)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            field: self.field.clone(),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        Self::new(e.code, e.message).with_field(e.field)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::not_found("record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                unique_violation(info.constraint_name().unwrap_or_default(), info.message())
            }
            Error::DatabaseError(kind, ref info) => match outage(&kind, info.message()) {
                Some(Outage::Connection) => Self::db_unavailable(info.message()),
                Some(Outage::Storage) => Self::storage_unavailable(info.message()),
                None => Self::internal(e),
            },
            // A transaction whose connection died under it cannot even roll back.
            Error::BrokenTransactionManager => Self::db_unavailable(e),
            other => Self::internal(other),
        }
    }
}

/// Why the database cannot serve, when the failure is not the request's.
enum Outage {
    /// Not reachable, shutting down or starting up, or busy past the wait.
    Connection,
    /// Cannot store anything: disk full, read-only, or failing writes.
    Storage,
}

/// Classifies an error by its kind and message: libpq and SQLite report
/// these conditions as text only (diesel hands on no SQLSTATE).
fn outage(kind: &diesel::result::DatabaseErrorKind, message: &str) -> Option<Outage> {
    use diesel::result::DatabaseErrorKind;
    const CONNECTION: &[&str] = &[
        // libpq, when the server goes away mid-statement or is gone.
        "server closed the connection unexpectedly",
        "no connection to the server",
        "terminating connection due to administrator command",
        "terminating connection because of crash of another server process",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
        "could not receive data from server",
        "could not send data to server",
        "connection to server",
        // SQLite, a write lock waited for busy_timeout.
        "database is locked",
    ];
    const STORAGE: &[&str] = &[
        // SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR (e.g. EROFS, EIO on write).
        "database or disk is full",
        "attempt to write a readonly database",
        "disk I/O error",
        // PostgreSQL out of disk (53100) or in a read-only state (25006).
        "could not extend file",
        "No space left on device",
    ];
    if matches!(kind, DatabaseErrorKind::ClosedConnection)
        || CONNECTION.iter().any(|m| message.contains(m))
    {
        Some(Outage::Connection)
    } else if matches!(kind, DatabaseErrorKind::ReadOnlyTransaction)
        || STORAGE.iter().any(|m| message.contains(m))
    {
        Some(Outage::Storage)
    } else {
        None
    }
}

/// Names the conflict from the constraint (PostgreSQL) or message (SQLite),
/// for the rare race that slips past the checks made before writing.
fn unique_violation(constraint: &str, message: &str) -> AppError {
    let about = |col: &str| constraint.contains(col) || message.contains(col);
    if about("phone") {
        AppError::new(
            ErrorCode::PhoneTaken,
            "this phone number is already registered",
        )
        .with_field("phone")
    } else if about("member_no") {
        AppError::new(
            ErrorCode::MemberNoTaken,
            "this member number is already used",
        )
        .with_field("member_no")
    } else if about("sectors") {
        AppError::new(ErrorCode::SectorExists, "this sector already exists").with_field("name")
    } else {
        AppError::internal(format!("unique violation: {message}"))
    }
}

impl poem::error::ResponseError for AppError {
    fn status(&self) -> StatusCode {
        AppError::status(self)
    }

    fn as_response(&self) -> Response {
        let mut resp = Response::builder()
            .status(AppError::status(self))
            .content_type("application/json; charset=utf-8")
            .body(serde_json::to_vec(&self.body()).unwrap_or_default());
        if let Some(wait) = self.retry_after
            && let Ok(v) = poem::http::HeaderValue::from_str(&wait.to_string())
        {
            resp.headers_mut()
                .insert(poem::http::header::RETRY_AFTER, v);
        }
        resp
    }
}

/// The error half of every operation: each status with the one JSON body.
#[derive(ApiResponse, Debug)]
#[oai(bad_request_handler = "api_error_from_poem")]
pub enum ApiError {
    /// Malformed request: bad JSON, wrong types, bad parameters.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing, invalid or expired credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Signed in, but not allowed.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource, or not visible to the caller.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The change conflicts with what is stored.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body is too large.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The body's content type is not accepted.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// A field breaks a rule; `field` names it.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many attempts; wait `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// An unexpected fault, logged on the server.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// Overloaded or the database is unreachable; retry after `Retry-After` seconds.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let body = Json(e.body());
        let wait = e.retry_after.unwrap_or(1);
        match e.code.http_status() {
            400 => Self::BadRequest(body),
            401 => Self::Unauthorized(body),
            403 => Self::Forbidden(body),
            404 | 405 => Self::NotFound(body),
            409 => Self::Conflict(body),
            413 => Self::PayloadTooLarge(body),
            415 => Self::UnsupportedMediaType(body),
            422 => Self::Unprocessable(body),
            429 => Self::TooManyRequests(body, wait),
            503 => Self::Unavailable(body, wait),
            _ => Self::Internal(body),
        }
    }
}

fn api_error_from_poem(err: poem::Error) -> ApiError {
    ApiError::from(app_error_from_poem(err))
}

/// Maps any error poem or poem-openapi raises (parse failures, unknown routes,
/// missing credentials, oversized bodies) onto the contract's error shape.
pub fn app_error_from_poem(err: poem::Error) -> AppError {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    if let Some(e) = err.downcast_ref::<AppError>() {
        return e.clone();
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return AppError::new(
            ErrorCode::InvalidParameter,
            format!("invalid parameter `{}`: {}", e.name, e.reason),
        )
        .with_field(e.name);
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        return AppError::new(
            ErrorCode::InvalidParameter,
            format!("invalid path parameter `{}`", e.name),
        )
        .with_field(e.name);
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return AppError::new(
            ErrorCode::InvalidBody,
            format!("the request body is invalid: {}", e.reason),
        );
    }
    if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
        return AppError::new(
            ErrorCode::InvalidBody,
            format!("the upload is invalid: {}", e.reason),
        );
    }
    if err.is::<ContentTypeError>() {
        return AppError::new(ErrorCode::UnsupportedMediaType, err.to_string());
    }
    if err.is::<AuthorizationError>() {
        return AppError::unauthorized("a bearer token is required");
    }
    match err.status() {
        StatusCode::NOT_FOUND => AppError::new(ErrorCode::NotFound, "no such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => AppError::new(
            ErrorCode::MethodNotAllowed,
            "this endpoint does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            AppError::new(ErrorCode::UnsupportedMediaType, err.to_string())
        }
        StatusCode::UNAUTHORIZED => AppError::unauthorized("a valid bearer token is required"),
        s if s.is_client_error() => AppError::new(ErrorCode::InvalidBody, err.to_string()),
        _ => AppError::internal(err),
    }
}

/// Shorthand for operation results.
pub type ApiResult<T> = Result<T, ApiError>;
