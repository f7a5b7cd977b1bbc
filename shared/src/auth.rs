//! Sign-in, token refresh, activation and password change.

use serde::{Deserialize, Serialize};

use crate::members::Member;

/// `POST /auth/login`: sign in with phone (or member number) and password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LoginRequest {
    /// Mobile number in any common spelling (`+86 139-0000-0007` is fine).
    pub phone: String,
    pub password: String,
}

/// A fresh access token and refresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TokenPair {
    /// Short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Opaque, single-use token for `POST /auth/refresh`; store it in the keychain.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Seconds until the refresh token expires if it is not used.
    pub refresh_expires_in: i64,
    /// The signed-in account.
    pub user: Member,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `POST /auth/activate`: a new member sets their password with the office's code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivateRequest {
    pub phone: String,
    /// The 8-digit code from the office; spaces are ignored.
    pub activation_code: String,
    pub new_password: String,
}

/// `PUT /me/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}
