//! The delivery curve: how many messages the fake had accepted when, sampled
//! every millisecond on a thread of its own from the moment the fan-out starts.
//! The k-th message's latency is the time of the first sample that counts
//! k or more (so latencies are accurate to about a millisecond).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lvzhi_tests::fake_fcm::FakeFcm;

/// A pause of at least this long with no delivery counts as a stall.
pub const STALL: Duration = Duration::from_millis(5);

/// Samples where the count changed: (time since the start, messages accepted).
pub struct Curve {
    pub samples: Vec<(Duration, usize)>,
}

/// Samples `fake` from `start` until it has accepted `target` messages,
/// `timeout` has passed since `start`, or `stop` turns true.
pub fn sample(
    fake: Arc<FakeFcm>,
    start: Instant,
    target: usize,
    timeout: Duration,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Curve> {
    std::thread::spawn(move || {
        let mut samples = Vec::with_capacity(target.min(100_000));
        let mut last = 0;
        loop {
            let n = fake.received_count();
            let at = start.elapsed();
            if n != last {
                samples.push((at, n));
                last = n;
            }
            if n >= target || at > timeout || stop.load(Ordering::Relaxed) {
                return Curve { samples };
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    })
}

impl Curve {
    /// When the count first reached `k` (None: it never did).
    pub fn time_of(&self, k: usize) -> Option<Duration> {
        let i = self.samples.partition_point(|(_, n)| *n < k);
        self.samples.get(i).map(|(t, _)| *t)
    }

    /// Latency of the message at quantile `q` (0..1] of `total`.
    pub fn quantile(&self, q: f64, total: usize) -> Option<Duration> {
        let k = ((q * total as f64).ceil() as usize).clamp(1, total.max(1));
        self.time_of(k)
    }

    /// Messages accepted at the end.
    pub fn last_count(&self) -> usize {
        self.samples.last().map_or(0, |(_, n)| *n)
    }

    /// Pauses of at least [`STALL`] between the first and the last delivery:
    /// how many, and how long in all. Only samples are seen, and the sampling
    /// thread itself may wait for a core; a gap counts as a pause only if
    /// fewer messages than milliseconds arrived across it (messages flow at
    /// several per millisecond otherwise), so a late sample is not taken for
    /// a pause in delivery.
    pub fn stalls(&self) -> (usize, Duration) {
        let mut count = 0;
        let mut total = Duration::ZERO;
        for pair in self.samples.windows(2) {
            if let [(a, n_a), (b, n_b)] = pair {
                let gap = b.saturating_sub(*a);
                let arrived = n_b.saturating_sub(*n_a) as f64;
                if gap >= STALL && arrived < gap.as_secs_f64() * 1e3 {
                    count += 1;
                    total += gap;
                }
            }
        }
        (count, total)
    }
}
