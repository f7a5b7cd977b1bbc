//! The signed-in session and where the app keeps it. The SDK never writes
//! tokens to files itself: the app stores them (Keychain, Keystore).

use std::sync::Mutex;

use lvzhi_shared::ids::MemberId;

/// What survives an app restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// The signed-in account's id.
    pub user_id: MemberId,
}

/// The app's secure storage for the session.
pub trait SessionStore: Send + Sync {
    fn load(&self) -> Option<Session>;
    fn save(&self, session: Session);
    fn clear(&self);
}

/// Keeps the session in memory only (tests, or an app that signs in each start).
#[derive(Default)]
pub struct MemorySessionStore(Mutex<Option<Session>>);

impl SessionStore for MemorySessionStore {
    fn load(&self) -> Option<Session> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn save(&self, session: Session) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(session);
    }

    fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
