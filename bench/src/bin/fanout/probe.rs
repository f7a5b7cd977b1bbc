//! Where the CPU time went: the server child process as a whole, this
//! process's threads by runtime (the fake FCM's, the baseline client's, the
//! rest), and the machine (the `/proc` reading is `lvzhi_tests::procfs`).

use std::collections::HashMap;

use lvzhi_tests::procfs::{MachineTicks, process_ticks, thread_ticks, ticks_since};

/// The name prefix of the fake FCM's runtime threads.
pub const FAKE_THREAD: &str = "fake-fcm";
/// The name prefix of the baseline FCM client's runtime threads.
pub const CLIENT_THREAD: &str = "fcm-client";

/// CPU time counters (clock ticks) at one moment.
pub struct Ticks {
    machine: MachineTicks,
    /// The server child, all its threads (live and exited).
    child: u64,
    /// This process's threads, by tid: (kind, ticks).
    threads: HashMap<u32, (Kind, u64)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Fake,
    Client,
    Other,
}

/// Cores used over a window (1.0 = one core busy the whole time).
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu {
    /// The server child process.
    pub child: f64,
    /// The fake FCM's threads.
    pub fake: f64,
    /// The baseline client's threads.
    pub client: f64,
    /// Everything on the machine (PostgreSQL included).
    pub machine: f64,
}

pub fn ticks(child: Option<u32>) -> Ticks {
    Ticks {
        machine: MachineTicks::now(),
        child: child.and_then(process_ticks).unwrap_or(0),
        threads: thread_ticks(|_, name| {
            if name.starts_with(FAKE_THREAD) {
                Kind::Fake
            } else if name.starts_with(CLIENT_THREAD) {
                Kind::Client
            } else {
                Kind::Other
            }
        }),
    }
}

/// CPU between two readings.
pub fn between(before: &Ticks, after: &Ticks) -> Cpu {
    let by_kind = ticks_since(&before.threads, &after.threads);
    let cores = |ticks| after.machine.cores_since(&before.machine, ticks);
    let of = |k: Kind| cores(by_kind.get(&k).copied().unwrap_or(0));
    Cpu {
        child: cores(after.child.saturating_sub(before.child)),
        fake: of(Kind::Fake),
        client: of(Kind::Client),
        machine: after.machine.busy_cores_since(&before.machine),
    }
}
