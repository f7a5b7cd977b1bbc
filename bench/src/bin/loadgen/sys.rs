//! Where the CPU time went, by the thread names of this process and the
//! server child processes (the `/proc` reading is `lvzhi_tests::procfs`).
//!
//! CPU is split by thread name: threads named `loadgen` (and the main thread)
//! are the load generator; every other thread of this process (the server's
//! runtime workers and blocking pool, the connection pool's helpers) is the
//! server, and so are server child processes when a snapshot names them.
//! "Machine" is all CPU time spent on the host in the window, so
//! machine − server − loadgen is PostgreSQL plus anything else running.

use std::collections::HashMap;

use lvzhi_tests::procfs::{MachineTicks, process_ticks, thread_ticks, ticks_since};

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
    machine: MachineTicks,
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
    let machine = MachineTicks::now();
    let main_tid = std::process::id();
    Snapshot {
        children: children
            .iter()
            .map(|&p| (p, process_ticks(p).unwrap_or(0)))
            .collect(),
        threads: thread_ticks(|tid, name| tid == main_tid || name.starts_with(LOADGEN_THREAD)),
        machine,
    }
}

/// CPU used between two snapshots.
pub fn between(before: &Snapshot, after: &Snapshot) -> CpuUse {
    let mut server: u64 = after
        .children
        .iter()
        .map(|(pid, ticks)| {
            let earlier = before
                .children
                .iter()
                .find(|(p, _)| p == pid)
                .map_or(0, |(_, t)| *t);
            ticks.saturating_sub(earlier)
        })
        .sum();
    let by_kind = ticks_since(&before.threads, &after.threads);
    server += by_kind.get(&false).copied().unwrap_or(0);
    let loadgen = by_kind.get(&true).copied().unwrap_or(0);
    let cores = |ticks| after.machine.cores_since(&before.machine, ticks);
    CpuUse {
        server: cores(server),
        loadgen: cores(loadgen),
        machine: after.machine.busy_cores_since(&before.machine),
    }
}
