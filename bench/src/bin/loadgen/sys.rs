//! What the machine is and where its CPU time went, from `/proc`.
//!
//! CPU is split by thread name: threads named `loadgen` (and the main thread)
//! are the load generator; every other thread of this process (the server's
//! runtime workers and blocking pool, the connection pool's helpers) is the
//! server, and so are server child processes when a snapshot names them.
//! "Machine" is all CPU time spent on the host in the window, so
//! machine − server − loadgen is PostgreSQL plus anything else running.

use std::collections::HashMap;

pub use lvzhi_tests::procfs::machine;
use lvzhi_tests::procfs::{cpu_count, machine_ticks, process_ticks, stat_ticks, status_kib};

/// The name the load generator's runtime gives its threads.
pub const LOADGEN_THREAD: &str = "loadgen";
/// The name the server's runtime gives its threads.
pub const SERVER_THREAD: &str = "lvzhi-server";

/// CPU time counters (clock ticks) at one moment.
pub struct Snapshot {
    /// Per thread id: whether it is the generator's, and its user+system ticks.
    threads: HashMap<u32, (bool, u64)>,
    /// Server child processes: pid and their user+system ticks.
    children: Vec<(u32, u64)>,
    machine_busy: u64,
    machine_total: u64,
}

/// CPU used over a window, in cores (1.0 = one core busy the whole time).
#[derive(Clone, Copy, Debug)]
pub struct CpuUse {
    pub server: f64,
    pub loadgen: f64,
    pub machine: f64,
}

pub fn snapshot() -> Snapshot {
    snapshot_with(&[])
}

/// A snapshot that also counts the server processes `children` as server time.
pub fn snapshot_with(children: &[u32]) -> Snapshot {
    let (machine_busy, machine_total) = machine_ticks().unwrap_or((0, 0));
    Snapshot {
        children: children
            .iter()
            .map(|&p| (p, process_ticks(p).unwrap_or(0)))
            .collect(),
        threads: thread_ticks(),
        machine_busy,
        machine_total,
    }
}

/// CPU used between two snapshots. Ticks are converted to cores through the
/// machine's total ticks over the same span, so no clock-tick rate is assumed.
pub fn between(before: &Snapshot, after: &Snapshot) -> CpuUse {
    let total = after.machine_total.saturating_sub(before.machine_total);
    let cores = cpu_count() as f64;
    let to_cores = |ticks: u64| {
        if total == 0 {
            0.0
        } else {
            ticks as f64 * cores / total as f64
        }
    };
    let (mut server, mut loadgen) = (0, 0);
    for (pid, ticks) in &after.children {
        let earlier = before
            .children
            .iter()
            .find(|(p, _)| p == pid)
            .map_or(0, |(_, t)| *t);
        server += ticks.saturating_sub(earlier);
    }
    for (tid, (is_loadgen, ticks)) in &after.threads {
        let earlier = before.threads.get(tid).map_or(0, |(_, t)| *t);
        let used = ticks.saturating_sub(earlier);
        if *is_loadgen {
            loadgen += used;
        } else {
            server += used;
        }
    }
    CpuUse {
        server: to_cores(server),
        loadgen: to_cores(loadgen),
        machine: to_cores(after.machine_busy.saturating_sub(before.machine_busy)),
    }
}

/// User+system ticks of every thread of this process.
fn thread_ticks() -> HashMap<u32, (bool, u64)> {
    let main_tid = std::process::id();
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
        let Some((name, ticks)) = stat_ticks(&stat) else {
            continue;
        };
        let is_loadgen = tid == main_tid || name.starts_with(LOADGEN_THREAD);
        out.insert(tid, (is_loadgen, ticks));
    }
    out
}

/// The process's peak resident set (VmHWM), MiB.
pub fn peak_rss_mib() -> Option<f64> {
    status_kib("/proc/self/status", "VmHWM:").map(|k| k as f64 / 1024.0)
}

/// Starts the process's peak resident set afresh (Linux: `5` into
/// `clear_refs`), so each scenario's peak is its own.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Another process's peak resident set (VmHWM), MiB.
pub fn peak_rss_mib_of(pid: u32) -> Option<f64> {
    status_kib(&format!("/proc/{pid}/status"), "VmHWM:").map(|k| k as f64 / 1024.0)
}

/// The process's resident set now (VmRSS), MiB.
pub fn rss_mib() -> Option<f64> {
    status_kib("/proc/self/status", "VmRSS:").map(|k| k as f64 / 1024.0)
}
