//! CPU and memory from `/proc`: the server child process as a whole, this
//! process's threads by runtime (the fake FCM's, the baseline client's, the
//! rest), and the machine.

use std::collections::HashMap;

pub use lvzhi_tests::procfs::machine;
use lvzhi_tests::procfs::{cpu_count, machine_ticks, process_ticks, stat_ticks, status_kib};

/// The name prefix of the fake FCM's runtime threads.
pub const FAKE_THREAD: &str = "fake-fcm";
/// The name prefix of the baseline FCM client's runtime threads.
pub const CLIENT_THREAD: &str = "fcm-client";

/// CPU time counters (clock ticks) at one moment.
pub struct Ticks {
    machine_busy: u64,
    machine_total: u64,
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
    let (machine_busy, machine_total) = machine_ticks().unwrap_or((0, 0));
    Ticks {
        machine_busy,
        machine_total,
        child: child.and_then(process_ticks).unwrap_or(0),
        threads: thread_ticks(),
    }
}

/// CPU between two readings, converted to cores through the machine's total
/// ticks over the same span (no clock-tick rate assumed).
pub fn between(before: &Ticks, after: &Ticks) -> Cpu {
    let total = after.machine_total.saturating_sub(before.machine_total);
    let cores = cpu_count() as f64;
    let to_cores = |t: u64| {
        if total == 0 {
            0.0
        } else {
            t as f64 * cores / total as f64
        }
    };
    let mut by_kind: HashMap<Kind, u64> = HashMap::new();
    for (tid, (kind, t)) in &after.threads {
        let earlier = before.threads.get(tid).map_or(0, |(_, t)| *t);
        *by_kind.entry(*kind).or_default() += t.saturating_sub(earlier);
    }
    let of = |k: Kind| to_cores(by_kind.get(&k).copied().unwrap_or(0));
    Cpu {
        child: to_cores(after.child.saturating_sub(before.child)),
        fake: of(Kind::Fake),
        client: of(Kind::Client),
        machine: to_cores(after.machine_busy.saturating_sub(before.machine_busy)),
    }
}

fn thread_ticks() -> HashMap<u32, (Kind, u64)> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(tid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((name, t)) = stat_ticks(&stat) else {
            continue;
        };
        let kind = if name.starts_with(FAKE_THREAD) {
            Kind::Fake
        } else if name.starts_with(CLIENT_THREAD) {
            Kind::Client
        } else {
            Kind::Other
        };
        out.insert(tid, (kind, t));
    }
    out
}

/// A `Key:   123 kB` figure of `/proc/<pid>/status`, in MiB.
pub fn status_mib(pid: u32, key: &str) -> Option<f64> {
    status_kib(&format!("/proc/{pid}/status"), key).map(|kib| kib as f64 / 1024.0)
}
