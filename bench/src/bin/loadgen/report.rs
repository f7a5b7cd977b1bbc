//! Figures per scenario, as a markdown table, and medians over runs.

use std::fmt::Write as _;

use crate::load::Tally;
use crate::sys::CpuUse;

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub backend: &'static str,
    pub scenario: String,
    /// 2xx answers per second.
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: f64,
    pub errors: f64,
    /// `rate` over the baseline's `rate` measured in the same run and backend.
    pub vs_baseline: Option<f64>,
    /// CPU over the window (shown once per window).
    pub cpu: Option<CpuUse>,
    /// Peak resident memory of the server over the scenario, MiB: this
    /// process (server + generator) when in-process, else the sum of the
    /// server processes' peaks.
    pub peak_rss_mib: Option<f64>,
}

impl Row {
    pub fn new(
        backend: &'static str,
        scenario: impl Into<String>,
        tally: &Tally,
        seconds: f64,
        cpu: Option<CpuUse>,
    ) -> Self {
        Self {
            backend,
            scenario: scenario.into(),
            rate: tally.ok as f64 / seconds,
            p50_ms: tally.quantile_ms(0.50),
            p99_ms: tally.quantile_ms(0.99),
            non_2xx: tally.non_2xx as f64,
            errors: tally.errors as f64,
            vs_baseline: None,
            cpu,
            peak_rss_mib: None,
        }
    }

    pub fn with_peak_rss(mut self, mib: Option<f64>) -> Self {
        self.peak_rss_mib = mib;
        self
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| Backend | Scenario | 2xx/s | p50 ms | p99 ms | non-2xx | errors | × baseline \
         | CPU server | CPU loadgen | CPU machine | server µs/req | peak RSS MiB |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let ratio = r.vs_baseline.map_or("—".into(), |v| format!("{v:.2}"));
        let dash = || "—".to_owned();
        let (server, loadgen, machine, per_request) =
            r.cpu.map_or((dash(), dash(), dash(), dash()), |c| {
                // Server CPU per 2xx answer: in C it includes the sign-ins' hashing.
                let per_request = if r.rate > 0.0 {
                    format!("{:.0}", c.server * 1e6 / r.rate)
                } else {
                    dash()
                };
                (
                    format!("{:.2}", c.server),
                    format!("{:.2}", c.loadgen),
                    format!("{:.2}", c.machine),
                    per_request,
                )
            });
        let peak = r.peak_rss_mib.map_or(dash(), |m| format!("{m:.0}"));
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {} | {} | {:.0} | {:.0} | {ratio} | {server} | {loadgen} | {machine} | {per_request} | {peak} |",
            r.backend,
            r.scenario,
            r.rate,
            ms(r.p50_ms),
            ms(r.p99_ms),
            r.non_2xx,
            r.errors,
        );
    }
    out
}

/// Milliseconds with three significant-ish digits.
fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Per (backend, scenario), in the first run's order: the median of each
/// figure over the runs, taken figure by figure.
pub fn medians(runs: &[Vec<Row>]) -> Vec<Row> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|template| {
            let same: Vec<&Row> = runs
                .iter()
                .flatten()
                .filter(|r| r.backend == template.backend && r.scenario == template.scenario)
                .collect();
            let of = |f: &dyn Fn(&Row) -> Option<f64>| median(same.iter().filter_map(|r| f(r)));
            let cpu = template.cpu.map(|_| CpuUse {
                server: of(&|r| r.cpu.map(|c| c.server)).unwrap_or(0.0),
                loadgen: of(&|r| r.cpu.map(|c| c.loadgen)).unwrap_or(0.0),
                machine: of(&|r| r.cpu.map(|c| c.machine)).unwrap_or(0.0),
            });
            Row {
                backend: template.backend,
                scenario: template.scenario.clone(),
                rate: of(&|r| Some(r.rate)).unwrap_or(0.0),
                p50_ms: of(&|r| Some(r.p50_ms)).unwrap_or(0.0),
                p99_ms: of(&|r| Some(r.p99_ms)).unwrap_or(0.0),
                non_2xx: of(&|r| Some(r.non_2xx)).unwrap_or(0.0),
                errors: of(&|r| Some(r.errors)).unwrap_or(0.0),
                vs_baseline: of(&|r| r.vs_baseline),
                cpu,
                peak_rss_mib: of(&|r| r.peak_rss_mib),
            }
        })
        .collect()
}

/// The middle value (the mean of the middle two for an even count).
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), Some(2.0));
        assert_eq!(median([4.0, 1.0, 2.0, 3.0].into_iter()), Some(2.5));
        assert_eq!(median(std::iter::empty()), None);
    }
}
