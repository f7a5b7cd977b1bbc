//! Sign-in throttling by phone and by client address.
//!
//! Counts failures (not requests) in a sliding window: past half the
//! allowance each failure adds a growing delay, and at the allowance the key
//! is locked (429 with Retry-After). A locked phone answers the same whether
//! it exists or not. Written here rather than with a rate-limit crate because
//! those meter request rates, while this meters failures and must lock.
//! State is per process; several processes each enforce their own counts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::LoginThrottleConfig;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first_failure: Instant,
    locked_until: Option<Instant>,
}

/// What a throttled key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Phone,
    Address,
}

pub struct LoginThrottle {
    cfg: LoginThrottleConfig,
    entries: Mutex<HashMap<(KeyKind, String), Entry>>,
}

/// Entries kept before stale ones are swept.
const SWEEP_AT: usize = 100_000;

impl LoginThrottle {
    pub fn new(cfg: LoginThrottleConfig) -> Self {
        Self {
            cfg,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` while any of the keys is locked.
    pub fn check(&self, keys: &[(KeyKind, &str)], now: Instant) -> Result<(), u64> {
        let entries = self.lock();
        let wait = keys
            .iter()
            .filter_map(|(kind, key)| entries.get(&(*kind, (*key).to_owned())))
            .filter_map(|e| e.locked_until)
            .filter(|until| *until > now)
            .map(|until| (until - now).as_secs().max(1))
            .max();
        match wait {
            Some(s) => Err(s),
            None => Ok(()),
        }
    }

    /// Records a failure against every key; returns how long to stall the reply.
    pub fn record_failure(&self, keys: &[(KeyKind, &str)], now: Instant) -> Duration {
        let window = Duration::from_secs(self.cfg.window_seconds);
        let mut entries = self.lock();
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, e| {
                now.duration_since(e.first_failure) < window
                    || e.locked_until.is_some_and(|u| u > now)
            });
        }
        let mut delay = Duration::ZERO;
        for (kind, key) in keys {
            let limit = match kind {
                KeyKind::Phone => self.cfg.max_failures_per_phone,
                KeyKind::Address => self.cfg.max_failures_per_address,
            };
            let e = entries.entry((*kind, (*key).to_owned())).or_insert(Entry {
                failures: 0,
                first_failure: now,
                locked_until: None,
            });
            let lock_over = e.locked_until.is_some_and(|u| u <= now);
            if lock_over || now.duration_since(e.first_failure) >= window {
                *e = Entry {
                    failures: 0,
                    first_failure: now,
                    locked_until: None,
                };
            }
            e.failures += 1;
            if e.failures >= limit {
                e.locked_until = Some(now + Duration::from_secs(self.cfg.lockout_seconds));
            } else if e.failures * 2 >= limit {
                let over = u64::from(e.failures * 2 + 1 - limit);
                delay = delay.max(Duration::from_millis(
                    self.cfg.delay_millis_per_failure * over,
                ));
            }
        }
        delay
    }

    /// A correct password clears the phone's count (the address keeps its own).
    pub fn record_success(&self, phone: &str) {
        self.lock().remove(&(KeyKind::Phone, phone.to_owned()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(KeyKind, String), Entry>> {
        // A poisoned map only holds counters; keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginThrottleConfig {
            max_failures_per_phone: 4,
            max_failures_per_address: 10,
            window_seconds: 60,
            lockout_seconds: 120,
            delay_millis_per_failure: 100,
            trust_forwarded_for: false,
        })
    }

    #[test]
    fn locks_after_the_allowance_and_unlocks_later() {
        let t = throttle();
        let now = Instant::now();
        let keys = [
            (KeyKind::Phone, "13900000001"),
            (KeyKind::Address, "1.2.3.4"),
        ];
        assert_eq!(t.record_failure(&keys, now), Duration::ZERO);
        assert!(
            t.record_failure(&keys, now) > Duration::ZERO,
            "slowed past half the allowance"
        );
        t.record_failure(&keys, now);
        assert!(t.check(&keys, now).is_ok());
        t.record_failure(&keys, now);
        let wait = t.check(&keys, now).expect_err("locked");
        assert!((119..=120).contains(&wait), "{wait}");
        assert!(t.check(&keys, now + Duration::from_secs(121)).is_ok());
    }

    #[test]
    fn old_failures_are_forgotten_and_success_clears_the_phone() {
        let t = throttle();
        let now = Instant::now();
        let keys = [(KeyKind::Phone, "p")];
        for _ in 0..3 {
            t.record_failure(&keys, now);
        }
        t.record_failure(&keys, now + Duration::from_secs(61));
        assert!(t.check(&keys, now + Duration::from_secs(61)).is_ok());
        for _ in 0..2 {
            t.record_failure(&keys, now + Duration::from_secs(61));
        }
        t.record_success("p");
        t.record_failure(&keys, now + Duration::from_secs(62));
        assert!(t.check(&keys, now + Duration::from_secs(62)).is_ok());
    }
}
