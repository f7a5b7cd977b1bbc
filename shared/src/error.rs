//! One error shape for every failure the API reports.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable reason for a failed request.
///
/// Append only: a phone app in the field matches on these names, so a code is
/// never renamed or reused for another meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Enum),
    oai(rename_all = "snake_case")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ErrorCode {
    // --- the request itself is malformed (400) ---
    /// The body is not valid JSON or does not have the documented shape.
    InvalidBody,
    /// A path or query parameter is missing or malformed; `field` names it.
    InvalidParameter,
    /// The pagination cursor was not produced by this server.
    InvalidCursor,
    // --- authentication (401) ---
    /// No bearer token, or one that is malformed, forged or signed by an unknown key.
    Unauthorized,
    /// The access token has expired; refresh it.
    TokenExpired,
    /// Phone or password is wrong (deliberately not saying which).
    InvalidCredentials,
    /// The refresh token is unknown, expired or revoked; sign in again.
    RefreshTokenInvalid,
    /// A refresh token was presented twice; the whole session was revoked.
    RefreshTokenReused,
    /// The activation code is wrong, expired, used up or out of attempts.
    ActivationCodeInvalid,
    // --- permission (403) ---
    /// Signed in, but this role may not do this.
    Forbidden,
    /// The account has been disabled by the office.
    AccountDisabled,
    /// The account has not been activated yet; use the activation code.
    AccountNotActivated,
    // --- missing (404, 405) ---
    /// No such resource (or not visible to the caller).
    NotFound,
    /// The path exists but not with this HTTP method.
    MethodNotAllowed,
    // --- conflicts (409) ---
    /// Another member of this deployment already uses this phone number.
    PhoneTaken,
    /// Another member of this committee already has this member number.
    MemberNoTaken,
    /// A sector with this name already exists in the committee.
    SectorExists,
    // --- size and type (413, 415) ---
    /// The request body is larger than this endpoint accepts.
    PayloadTooLarge,
    /// The body's content type is not one this endpoint accepts.
    UnsupportedMediaType,
    // --- validation of fields (422) ---
    /// A field's value breaks a rule; `field` names it and `message` says which rule.
    InvalidField,
    /// A required field is missing or empty.
    FieldRequired,
    /// A text field is longer than allowed.
    FieldTooLong,
    /// Not a mainland mobile number (11 digits starting with 1).
    InvalidPhone,
    /// Names may hold letters, spaces, middle dots and hyphens only.
    InvalidName,
    /// The sector is not in this committee's list.
    UnknownSector,
    /// The new password is too short or too long.
    WeakPassword,
    /// The upload is neither CSV nor XLSX, or lacks a required column.
    InvalidImportFile,
    // --- throttling and availability (429, 503) ---
    /// Too many attempts; wait for `Retry-After` seconds.
    TooManyAttempts,
    /// The server is overloaded or its database is unreachable; try again shortly.
    ServiceUnavailable,
    /// An unexpected server fault; it has been logged.
    InternalError,
    // --- activities and sign-ups (appended) ---
    /// Sign-up has not opened yet.
    SignupNotOpen,
    /// Sign-up has closed.
    SignupClosed,
    /// The activity is not published (a draft, cancelled or completed).
    ActivityNotOpen,
    /// The member is not in the activity's audience.
    NotInAudience,
    /// The role slot is for another sector.
    RoleSectorMismatch,
    /// The member is already signed up (registered or waitlisted).
    AlreadySignedUp,
    /// The member is registered for another activity at the same time.
    ScheduleConflict,
    /// The member is not signed up for this activity.
    NotSignedUp,
    /// The Idempotency-Key was already used with a different request.
    IdempotencyKeyReused,
    /// The check-in code has expired; scan the code shown now.
    CheckinCodeExpired,
    /// The check-in code belongs to another activity.
    CheckinCodeForeign,
    /// The check-in code is not one this server issued.
    CheckinCodeInvalid,
    /// Already checked in.
    AlreadyCheckedIn,
    /// Check-in is only possible around the activity's time.
    CheckinNotOpen,
    /// The change is not possible in the activity's or finding's current state.
    InvalidTransition,
    /// The capacity is below the members already registered.
    CapacityBelowRegistered,
    /// No such role slot in this activity.
    UnknownRole,
    // --- notifications (appended) ---
    /// A member named in the audience is not a member of this committee.
    UnknownMember,
    /// The audience holds nobody to notify.
    NoRecipients,
    // --- the request's shape (appended) ---
    /// The body has a field the operation does not take (often a misspelling);
    /// `field` names it.
    UnknownField,
    // --- meetings and appraisal (appended) ---
    /// The caller is not summoned to this meeting.
    NotSummoned,
    /// Leave requests for this meeting closed at its deadline; the office can still record leave.
    LeaveDeadlinePassed,
    /// A leave request already covers one of these sessions.
    LeaveAlreadyRequested,
    /// Nobody decides on their own leave request.
    OwnLeaveRequest,
    /// The caller does not approve leave for this kind of meeting.
    NotApprover,
    /// The member already belongs to the body for overlapping dates.
    BodyMembershipOverlaps,
    /// Times must be in the future.
    TimeInPast,
    /// The appraisal round is not open for voting.
    AppraisalNotOpen,
    /// The caller may not vote in this round.
    NotEligible,
    /// The caller's ballot is already in the box (from any phone).
    AlreadyVoted,
    /// Results are shown only once the round is closed.
    ResultsNotReady,
    /// The round is already closed.
    AppraisalClosed,
    // --- the committee hierarchy (appended) ---
    /// No such committee in the caller's own tree (itself and those below it).
    UnknownCommittee,
    /// A child committee must stand below its parent (a city under a province).
    LevelNotBelowParent,
    // --- opinion reports (appended) ---
    /// The report already went to this destination.
    AlreadyForwarded,
    /// Adoption and replies are recorded only once the report was forwarded.
    NotForwarded,
    /// A leader's instruction (批示) is recorded only on an adopted report.
    NotAdopted,
    /// The report is already in a numbered issue (or merged into another).
    AlreadyCompiled,
    // --- duty record points (appended) ---
    /// The year is closed: its rules and entries no longer change.
    YearClosed,
    /// The office already recorded this entry (same member, event and evidence).
    DuplicateEntry,
    /// Disputes for this year closed when its window ended.
    DisputeWindowClosed,
    /// The dispute was already decided.
    DisputeDecided,
}

impl ErrorCode {
    /// The HTTP status that always accompanies this code.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidBody | InvalidParameter | InvalidCursor => 400,
            Unauthorized
            | TokenExpired
            | InvalidCredentials
            | RefreshTokenInvalid
            | RefreshTokenReused
            | ActivationCodeInvalid => 401,
            Forbidden | AccountDisabled | AccountNotActivated => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            PhoneTaken | MemberNoTaken | SectorExists => 409,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            InvalidField | FieldRequired | FieldTooLong | InvalidPhone | InvalidName
            | UnknownSector | WeakPassword | InvalidImportFile => 422,
            TooManyAttempts => 429,
            ServiceUnavailable => 503,
            InternalError => 500,
            SignupNotOpen
            | SignupClosed
            | ActivityNotOpen
            | AlreadySignedUp
            | ScheduleConflict
            | NotSignedUp
            | IdempotencyKeyReused
            | AlreadyCheckedIn
            | InvalidTransition
            | CapacityBelowRegistered => 409,
            NotInAudience | RoleSectorMismatch => 403,
            CheckinCodeExpired | CheckinCodeForeign | CheckinCodeInvalid | CheckinNotOpen
            | UnknownRole => 422,
            UnknownMember | NoRecipients => 422,
            UnknownField => 400,
            NotSummoned | OwnLeaveRequest | NotApprover | NotEligible => 403,
            LeaveDeadlinePassed
            | LeaveAlreadyRequested
            | BodyMembershipOverlaps
            | AppraisalNotOpen
            | AlreadyVoted
            | ResultsNotReady
            | AppraisalClosed => 409,
            TimeInPast => 422,
            UnknownCommittee | LevelNotBelowParent => 422,
            AlreadyForwarded | NotForwarded | NotAdopted | AlreadyCompiled => 409,
            YearClosed | DuplicateEntry | DisputeWindowClosed | DisputeDecided => 409,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ErrorBody {
    /// Stable code to branch on.
    pub code: ErrorCode,
    /// A sentence a person can read; safe to show, never holds personal data.
    pub message: String,
    /// The request field or parameter at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub field: Option<String>,
}
