//! Password hashing with argon2id, off the async runtime and bounded.
//!
//! A hash costs ~55 ms of one core. Hashing runs on the blocking pool with at
//! most `concurrency` at once, so a flood of logins cannot take every core
//! from other requests; beyond `queue` waiters callers get 503 at once
//! instead of piling up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng,
};
use lvzhi_shared::ErrorCode;
use tokio::sync::Semaphore;

use crate::error::AppError;

pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Verified against when the account does not exist, so timing does not tell.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new(concurrency: usize, max_waiting: usize) -> anyhow::Result<Self> {
        let dummy_hash = hash_now("not-a-real-password")?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting,
            dummy_hash,
        })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.bounded(move || hash_now(&password).map_err(AppError::internal))
            .await
    }

    /// Checks `password` against `stored`; with no stored hash it still spends
    /// the same time and answers false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let (hash, exists) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.clone(), false),
        };
        let matches = self
            .bounded(move || Ok(verify_now(&password, &hash)))
            .await?;
        Ok(exists && matches)
    }

    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::new(
                ErrorCode::ServiceUnavailable,
                "sign-in is busy; try again in a moment",
            )
            .with_retry_after(2));
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(AppError::internal)?
    }
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn verify_now(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_fail() {
        let hasher = PasswordHasher::new(1, 8).expect("hasher");
        let h = hasher.hash("correct horse".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(
            hasher
                .verify("correct horse".into(), Some(h.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong".into(), Some(h))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("not-a-real-password".into(), None)
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let hasher = Arc::new(PasswordHasher::new(1, 1).expect("hasher"));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let h = hasher.clone();
            tasks.push(tokio::spawn(async move { h.hash("password".into()).await }));
        }
        let mut busy = 0;
        for t in tasks {
            if let Err(e) = t.await.expect("join") {
                assert_eq!(e.code, ErrorCode::ServiceUnavailable);
                busy += 1;
            }
        }
        assert!(
            busy >= 1,
            "with one slot and one waiter, some of six must be refused"
        );
    }
}
