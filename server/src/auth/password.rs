//! Password hashing with argon2id, off the async runtime and bounded.
//!
//! A hash costs ~55 ms of one core. Hashing runs on the blocking pool with at
//! most `concurrency` at once, so a flood of logins cannot take every core
//! from other requests; beyond `queue` waiters callers get 503 at once
//! instead of piling up.
//!
//! A sign-in for a phone with no password (no such account, or not yet
//! activated) spends no hash: it waits as long as real verifications have
//! lately taken (queue included) and fails. So it still looks the same from
//! outside, while a flood of made-up phones cannot fill the queue and keep
//! members out (measured in BENCHMARKS.md, "Login under a flood").

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lvzhi_shared::ErrorCode;
use tokio::sync::Semaphore;

use super::argon::{self, MemoryPool};
use crate::error::AppError;

pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// How long a real verification takes lately, queue included
    /// (microseconds, a moving average): what an account-less sign-in waits.
    typical_verify_micros: AtomicU64,
    /// argon2's working memory, one buffer per slot in use, reused.
    memory: Arc<MemoryPool>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize, max_waiting: usize) -> anyhow::Result<Self> {
        // One hash at start gives the first estimate of a verification's time.
        let memory = Arc::new(MemoryPool::default());
        let started = Instant::now();
        let sample = memory.with(|m| argon::hash("not-a-real-password", m))?;
        memory.with(|m| argon::verify("not-a-real-password", &sample, m));
        let one = started.elapsed() / 2;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting,
            typical_verify_micros: AtomicU64::new(micros(one)),
            memory,
        })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let memory = self.memory.clone();
        self.bounded(move || {
            memory
                .with(|m| argon::hash(&password, m))
                .map_err(AppError::internal)
        })
        .await
    }

    /// Checks `password` against `stored`. With no stored hash it answers
    /// false after the time a real check takes lately, without hashing.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let Some(hash) = stored else {
            if self.waiting.load(Ordering::SeqCst) >= self.max_waiting {
                return Err(busy()); // as a real check would answer now
            }
            let typical = self.typical_verify_micros.load(Ordering::Relaxed);
            // ±10 %, as real hashes vary.
            let jitter = rand::random_range(0.9..1.1);
            tokio::time::sleep(Duration::from_micros(typical).mul_f64(jitter)).await;
            return Ok(false);
        };
        let started = Instant::now();
        let memory = self.memory.clone();
        let matches = self
            .bounded(move || Ok(memory.with(|m| argon::verify(&password, &hash, m))))
            .await?;
        self.observe(started.elapsed());
        Ok(matches)
    }

    /// Folds one real verification's time into the moving average (weight 1/8).
    fn observe(&self, took: Duration) {
        let new = micros(took);
        let _ =
            self.typical_verify_micros
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                    Some(old - old / 8 + new / 8)
                });
    }

    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
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

fn busy() -> AppError {
    AppError::new(
        ErrorCode::ServiceUnavailable,
        "sign-in is busy; try again in a moment",
    )
    .with_retry_after(2)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
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

    /// Sign-ins for phones without an account take no place in the queue, so
    /// a flood of them leaves room for a member's real check.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn accountless_checks_leave_the_queue_to_members() {
        let hasher = Arc::new(PasswordHasher::new(1, 2).expect("hasher"));
        let h = hasher.hash("correct horse".into()).await.expect("hash");
        let flood: Vec<_> = (0..50)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.verify("guess".into(), None).await })
            })
            .collect();
        let member = hasher.verify("correct horse".into(), Some(h)).await;
        assert!(matches!(member, Ok(true)), "{member:?}");
        for f in flood {
            assert!(matches!(f.await.expect("join"), Ok(false)));
        }
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
