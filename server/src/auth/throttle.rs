//! Sign-in throttling by phone and by client address.
//!
//! Counts failures (not requests) in a sliding window: past half the
//! allowance each failure adds a growing delay, and at the allowance the key
//! is locked (429 with Retry-After). A locked phone answers the same whether
//! it exists or not. An attempt takes its place in the allowance before the
//! password is checked (`begin`), so a burst of concurrent requests gets no
//! more checks than the allowance. Written here rather than with a rate-limit crate because
//! those meter request rates, while this meters failures and must lock.
//! State is per process; several processes each enforce their own counts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::LoginThrottleConfig;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// Attempts begun and not yet settled: they may all fail.
    pending: u32,
    first_failure: Instant,
    locked_until: Option<Instant>,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Self {
            failures: 0,
            pending: 0,
            first_failure: now,
            locked_until: None,
        }
    }

    /// Forgets failures out of the window or from a lock that has ended
    /// (attempts in flight stay counted).
    fn expire(&mut self, now: Instant, window: Duration) {
        let lock_over = self.locked_until.is_some_and(|u| u <= now);
        if lock_over || now.duration_since(self.first_failure) >= window {
            *self = Self {
                pending: self.pending,
                ..Self::new(now)
            };
        }
    }
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

    /// Starts one attempt against every key, or `Err(seconds)` while any key
    /// is locked or its allowance is taken by failures and attempts still in
    /// flight. The attempt holds its place until it is settled or dropped.
    pub fn begin(&self, keys: &[(KeyKind, &str)], now: Instant) -> Result<Attempt<'_>, u64> {
        let window = Duration::from_secs(self.cfg.window_seconds);
        let mut entries = self.lock();
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, e| {
                e.pending > 0
                    || now.duration_since(e.first_failure) < window
                    || e.locked_until.is_some_and(|u| u > now)
            });
        }
        let mut wait = None;
        for (kind, key) in keys {
            let Some(e) = entries.get_mut(&(*kind, (*key).to_owned())) else {
                continue;
            };
            e.expire(now, window);
            let seconds = match e.locked_until {
                Some(until) if until > now => (until - now).as_secs().max(1),
                // The attempts in flight decide within a moment whether it locks.
                _ if e.failures + e.pending >= self.limit(*kind) => 1,
                _ => continue,
            };
            wait = wait.max(Some(seconds));
        }
        if let Some(seconds) = wait {
            return Err(seconds);
        }
        for (kind, key) in keys {
            entries
                .entry((*kind, (*key).to_owned()))
                .or_insert_with(|| Entry::new(now))
                .pending += 1;
        }
        Ok(Attempt {
            throttle: self,
            keys: keys.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            settled: false,
        })
    }

    fn limit(&self, kind: KeyKind) -> u32 {
        match kind {
            KeyKind::Phone => self.cfg.max_failures_per_phone,
            KeyKind::Address => self.cfg.max_failures_per_address,
        }
    }

    /// Ends an attempt: counts its failure against every key (returning how
    /// long to stall the reply), or clears the phone's count on success.
    fn settle(&self, keys: &[(KeyKind, String)], outcome: Outcome, now: Instant) -> Duration {
        let window = Duration::from_secs(self.cfg.window_seconds);
        let mut entries = self.lock();
        let mut delay = Duration::ZERO;
        for (kind, key) in keys {
            let Some(e) = entries.get_mut(&(*kind, key.clone())) else {
                continue;
            };
            e.pending = e.pending.saturating_sub(1);
            match outcome {
                Outcome::Abandoned => {}
                // The address keeps its own count.
                Outcome::Succeeded if *kind == KeyKind::Phone => {
                    e.failures = 0;
                    e.locked_until = None;
                }
                Outcome::Succeeded => {}
                Outcome::Failed => {
                    e.expire(now, window);
                    e.failures += 1;
                    let limit = self.limit(*kind);
                    if e.failures >= limit {
                        e.locked_until = Some(now + Duration::from_secs(self.cfg.lockout_seconds));
                    } else if e.failures * 2 >= limit {
                        let over = u64::from(e.failures * 2 + 1 - limit);
                        delay = delay.max(Duration::from_millis(
                            self.cfg.delay_millis_per_failure * over,
                        ));
                    }
                }
            }
        }
        delay
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(KeyKind, String), Entry>> {
        // A poisoned map only holds counters; keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failed,
    Succeeded,
    /// Ended without a verdict (an error on the way): only the place is freed.
    Abandoned,
}

/// One sign-in attempt holding a place in its keys' allowances.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: Vec<(KeyKind, String)>,
    settled: bool,
}

impl Attempt<'_> {
    /// The credentials were wrong: counts a failure; returns how long to stall the reply.
    pub fn failed(mut self, now: Instant) -> Duration {
        self.settled = true;
        self.throttle.settle(&self.keys, Outcome::Failed, now)
    }

    /// The credentials were right: clears the phone's count (the address keeps its own).
    pub fn succeeded(mut self) {
        self.settled = true;
        self.throttle
            .settle(&self.keys, Outcome::Succeeded, Instant::now());
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle
                .settle(&self.keys, Outcome::Abandoned, Instant::now());
        }
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

    /// One attempt begun and failed at `now`.
    fn fail(t: &LoginThrottle, keys: &[(KeyKind, &str)], now: Instant) -> Duration {
        t.begin(keys, now).expect("not locked").failed(now)
    }

    #[test]
    fn locks_after_the_allowance_and_unlocks_later() {
        let t = throttle();
        let now = Instant::now();
        let keys = [
            (KeyKind::Phone, "13900000001"),
            (KeyKind::Address, "1.2.3.4"),
        ];
        assert_eq!(fail(&t, &keys, now), Duration::ZERO);
        assert!(
            fail(&t, &keys, now) > Duration::ZERO,
            "slowed past half the allowance"
        );
        fail(&t, &keys, now);
        fail(&t, &keys, now);
        let wait = t.begin(&keys, now).err().expect("locked");
        assert!((119..=120).contains(&wait), "{wait}");
        assert!(t.begin(&keys, now + Duration::from_secs(121)).is_ok());
    }

    #[test]
    fn old_failures_are_forgotten_and_success_clears_the_phone() {
        let t = throttle();
        let now = Instant::now();
        let keys = [(KeyKind::Phone, "p")];
        for _ in 0..3 {
            fail(&t, &keys, now);
        }
        let later = now + Duration::from_secs(61);
        fail(&t, &keys, later);
        for _ in 0..2 {
            fail(&t, &keys, later);
        }
        t.begin(&keys, later).expect("3 of 4").succeeded();
        for _ in 0..3 {
            fail(&t, &keys, later);
        }
        assert!(t.begin(&keys, later).is_ok());
    }

    #[test]
    fn attempts_in_flight_count_until_settled() {
        let t = throttle();
        let now = Instant::now();
        let keys = [(KeyKind::Phone, "p")];
        let in_flight: Vec<_> = (0..4)
            .map(|_| t.begin(&keys, now).expect("within the allowance"))
            .collect();
        assert_eq!(t.begin(&keys, now).err(), Some(1), "all 4 places taken");
        // An attempt dropped without a verdict frees its place.
        let mut in_flight = in_flight.into_iter();
        drop(in_flight.next());
        let again = t.begin(&keys, now).expect("a place was freed");
        for a in in_flight.chain([again]) {
            a.failed(now);
        }
        assert!(t.begin(&keys, now).err().is_some_and(|w| w > 1), "locked");
    }
}
