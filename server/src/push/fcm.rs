//! The FCM HTTP v1 client: `POST {base}/v1/projects/{project}/messages:send`,
//! authorised by an OAuth2 access token from a service-account assertion.
//!
//! STUB: the interface the worker is written against; implemented separately.

use std::time::Duration;

use crate::config::PushConfig;

/// One push to one device.
#[derive(Debug, Clone)]
pub struct Push {
    /// The device's FCM registration token.
    pub token: String,
    pub title: String,
    pub body: String,
    /// String key/value pairs for the app (event, activity id, notification id, …).
    pub data: Vec<(&'static str, String)>,
    /// High priority on Android, apns-priority 10 on iOS; otherwise normal / 5.
    pub urgent: bool,
}

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Delivered,
    /// The token is dead (UNREGISTERED, INVALID_ARGUMENT, SENDER_ID_MISMATCH): disable the device.
    TokenInvalid {
        reason: String,
    },
    /// Worth trying again later: 429, 5xx, network trouble, or 401 after one
    /// token refresh. `after` is the server's Retry-After, when it gave one.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// FCM will never take this message as it is (other 4xx); give up.
    Rejected {
        reason: String,
    },
}

/// A client for one Firebase project; cheap to share (`Arc`), safe to call concurrently.
pub struct FcmClient {}

impl FcmClient {
    /// Reads the service-account file named by `config.credentials_file`.
    pub fn new(config: &PushConfig) -> anyhow::Result<Self> {
        let _ = config;
        anyhow::bail!("not implemented")
    }

    pub fn project_id(&self) -> &str {
        ""
    }

    pub async fn send(&self, push: &Push) -> SendOutcome {
        let _ = push;
        SendOutcome::Rejected {
            reason: "not implemented".into(),
        }
    }
}
