//! Machine facts from `/proc` for the benchmark binaries: CPU ticks of the
//! machine, of a process and of this process's threads, converted to cores;
//! resident-set figures; a one-line description of the machine.

use std::collections::HashMap;

/// Busy and total ticks of all CPUs, from the first line of `/proc/stat`.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// The machine's CPU counters at one moment; two of them frame a window
/// over which other tick counts become cores.
#[derive(Debug, Clone, Copy, Default)]
pub struct MachineTicks {
    busy: u64,
    total: u64,
}

impl MachineTicks {
    /// The counters now (zeros when `/proc/stat` cannot be read).
    pub fn now() -> Self {
        let (busy, total) = machine_ticks().unwrap_or((0, 0));
        Self { busy, total }
    }

    /// `ticks` spent between `earlier` and this reading, in cores (1.0 = one
    /// core busy the whole window). The window is measured in the machine's
    /// own total ticks, so no clock-tick rate is assumed.
    pub fn cores_since(&self, earlier: &Self, ticks: u64) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            0.0
        } else {
            ticks as f64 * cpu_count() as f64 / total as f64
        }
    }

    /// Cores the whole machine was busy between `earlier` and this reading.
    pub fn busy_cores_since(&self, earlier: &Self) -> f64 {
        self.cores_since(earlier, self.busy.saturating_sub(earlier.busy))
    }
}

/// CPUs the kernel counts in `/proc/stat` (the ticks there are summed over them).
pub fn cpu_count() -> usize {
    std::fs::read_to_string("/proc/stat")
        .map(|s| {
            s.lines()
                .filter(|l| {
                    l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit)
                })
                .count()
        })
        .unwrap_or(1)
        .max(1)
}

/// A `Key:   123 kB` figure from a `/proc` file (`/proc/meminfo`, `/proc/<pid>/status`).
pub fn status_kib(path: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Cores, CPU model, memory and kernel, for the reports.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_gib =
        status_kib("/proc/meminfo", "MemTotal:").map_or(0.0, |k| k as f64 / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores ({model}), {mem_gib:.1} GiB RAM, Linux {kernel}")
}

/// The name and utime + stime (fields 14 and 15) of a `/proc/…/stat` line.
pub fn stat_ticks(stat: &str) -> Option<(&str, u64)> {
    // "pid (comm) state …": the name may hold spaces, so split at the last ')'.
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(').map_or("", |(_, n)| n);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

/// A whole process's user+system ticks (its threads', exited ones included).
pub fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_ticks(&stat).map(|(_, t)| t)
}

/// User+system ticks of every thread of this process by thread id, each with
/// the kind `kind` gives it from its id and name (its runtime's thread name).
pub fn thread_ticks<K>(mut kind: impl FnMut(u32, &str) -> K) -> HashMap<u32, (K, u64)> {
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
        out.insert(tid, (kind(tid, name), ticks));
    }
    out
}

/// Ticks per kind used between two readings of [`thread_ticks`] (a thread
/// that started in between counts from zero; one that ended is not counted).
pub fn ticks_since<K: Copy + Eq + std::hash::Hash>(
    before: &HashMap<u32, (K, u64)>,
    after: &HashMap<u32, (K, u64)>,
) -> HashMap<K, u64> {
    let mut by_kind: HashMap<K, u64> = HashMap::new();
    for (tid, (kind, ticks)) in after {
        let earlier = before.get(tid).map_or(0, |(_, t)| *t);
        *by_kind.entry(*kind).or_default() += ticks.saturating_sub(earlier);
    }
    by_kind
}

/// A process: this one, or another by its pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    This,
    Pid(u32),
}

impl Process {
    fn status_path(self) -> String {
        match self {
            Process::This => "/proc/self/status".to_owned(),
            Process::Pid(pid) => format!("/proc/{pid}/status"),
        }
    }
}

/// A process's peak resident set (VmHWM), MiB.
pub fn peak_rss_mib(process: Process) -> Option<f64> {
    status_kib(&process.status_path(), "VmHWM:").map(|k| k as f64 / 1024.0)
}

/// A process's resident set now (VmRSS), MiB.
pub fn rss_mib(process: Process) -> Option<f64> {
    status_kib(&process.status_path(), "VmRSS:").map(|k| k as f64 / 1024.0)
}

/// Starts this process's peak resident set afresh (Linux: `5` into
/// `clear_refs`), so each scenario's peak is its own.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_name_and_cpu_ticks() {
        // pid (comm) state ppid … utime stime …; the name may hold spaces and ')'.
        let line = "42 (fake fcm) x) S 1 42 42 0 -1 4194560 10 0 0 0 7 5 0 0 20 0 3 0";
        assert_eq!(stat_ticks(line), Some(("fake fcm) x", 12)));
        assert_eq!(stat_ticks("42 (short) S 1"), None);
    }

    #[test]
    fn ticks_since_sums_by_kind_and_counts_new_threads_from_zero() {
        let before = HashMap::from([(1, ('a', 10)), (2, ('b', 5))]);
        let after = HashMap::from([(1, ('a', 15)), (2, ('b', 5)), (3, ('a', 4))]);
        let by_kind = ticks_since(&before, &after);
        assert_eq!(by_kind.get(&'a'), Some(&9));
        assert_eq!(by_kind.get(&'b'), Some(&0));
    }

    #[test]
    fn this_process_has_threads_and_a_resident_set() {
        let threads = thread_ticks(|tid, _| tid);
        assert!(threads.contains_key(&std::process::id()));
        assert!(rss_mib(Process::This).is_some_and(|m| m > 0.0));
        assert!(peak_rss_mib(Process::Pid(std::process::id())).is_some());
    }
}
