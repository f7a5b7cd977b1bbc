//! The app's secure storage, implemented in Kotlin (Keystore) or Swift (Keychain).

use std::sync::Arc;

use crate::core;

/// The session the app keeps between launches.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoredSession {
    pub access_token: String,
    pub refresh_token: String,
    /// The account's id, as text: what the app stored is read back in
    /// `load`, where one that is not an id is no session (not a crash).
    pub user_id: String,
}

/// Implement with the platform's secure storage; the SDK never writes tokens itself.
#[uniffi::export(with_foreign)]
pub trait SessionStore: Send + Sync {
    /// The stored session, if any.
    fn load(&self) -> Option<StoredSession>;
    /// Replace the stored session (after sign-in or a refresh).
    fn save(&self, session: StoredSession);
    /// Forget it (sign-out, or the session ended).
    fn clear(&self);
}

/// Lets `core` use the app's store.
pub(crate) struct Foreign(pub Arc<dyn SessionStore>);

impl core::SessionStore for Foreign {
    fn load(&self) -> Option<core::Session> {
        let s = self.0.load()?;
        Some(core::Session {
            user_id: s.user_id.parse().ok()?,
            access_token: s.access_token,
            refresh_token: s.refresh_token,
        })
    }

    fn save(&self, session: core::Session) {
        self.0.save(StoredSession {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            user_id: session.user_id.to_string(),
        });
    }

    fn clear(&self) {
        self.0.clear();
    }
}
