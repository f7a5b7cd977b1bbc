//! `lvzhi-points-bench`: the duty record with points for a province (the
//! issue: 40,000 members with 50 events each; recompute every record, and
//! read one member's record at p99 under load).
//!
//! On the real server in-process over a fresh database (SQLite file;
//! PostgreSQL with `--postgres-url`), seeded straight into the database
//! (`seed.rs`: ~2,000,000 events in the current year of the server's clock),
//! it measures over HTTP:
//! 1. `GET /healthz` and `GET /me` under `--connections` closed-loop
//!    connections for `--seconds`: the baselines of this run;
//! 2. `GET /me/points` under the same load, each request a random member's
//!    token: the record computed live (member-filtered queries);
//! 3. `GET /points/summary` as the organizer, `--summary-runs` times one
//!    after another: all 40,000 records recomputed at each request;
//! 4. `POST /points/years/{year}/close`, once (a year closes once): every
//!    record recomputed and its lines stored, while a member's small write
//!    is tried every 50 ms (is the rest of the server still writable?);
//! 5. `GET /me/points` under load again, now the stored lines; the frozen
//!    summary; `/healthz` again, to see the machine's drift over the run.
//!
//! The load is the loadgen's own closed loop (`../loadgen/load.rs`: hyper,
//! one keep-alive connection each, warm-up not counted), so the ratios sit
//! beside BENCHMARKS.md's other figures. Tokens are minted with the
//! server's keys, as the test kit's `TestApp::mint` does.

#[allow(dead_code)] // the loadgen's other scenarios use the rest
#[path = "../loadgen/load.rs"]
mod load;
mod seed;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, Utc};
use clap::Parser;
use diesel::prelude::*;
use lvzhi_server::clock::ManualClock;
use lvzhi_server::db::DbConnection;
use lvzhi_server::db::schema::{points_lines, points_results};
use lvzhi_server::error::AppError;
use lvzhi_server::{AppState, Application, Config};
use lvzhi_shared::ids::SessionId;
use lvzhi_shared::members::Role;
use lvzhi_tests::procfs::{Process, peak_rss_mib, reset_peak_rss, rss_mib};
use lvzhi_tests::store::Store;
use serde_json::Value;

use load::{Call, Group, Tally, Window};

#[derive(Parser, Debug)]
#[command(
    about = "Duty points for a province: recompute all records, read one under load (see BENCHMARKS.md)"
)]
struct Args {
    /// Members of the committee (about 50 events each).
    #[arg(long, default_value_t = 40_000)]
    members: usize,
    /// Connections of the closed-loop load, each a request at a time.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Measured seconds of each load phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of load before measuring, in each phase.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Live summaries (every record recomputed) asked one after another.
    #[arg(long, default_value_t = 3)]
    summary_runs: usize,
    /// Skip the `ANALYZE` after seeding PostgreSQL (autovacuum would run it
    /// within a minute of such a load; without it the planner guesses).
    #[arg(long)]
    no_analyze: bool,
    /// Keep the databases afterwards (the SQLite file's folder and the
    /// PostgreSQL database are printed), to look at plans.
    #[arg(long)]
    keep: bool,
    /// Skip SQLite (with `--postgres-url`: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
    /// Also run on PostgreSQL (a user that may create databases).
    #[arg(long)]
    postgres_url: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.members >= 2, "--members: at least 2");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "# Duty points: {} members, about 50 events each; load {} connections × {} s after {} s warm-up\n",
        args.members, args.connections, args.seconds, args.warmup
    );
    let mut failed = false;
    if !args.no_sqlite {
        let store = Store::create(None, "lvzhi_points_bench")?;
        failed |= report(rt.block_on(measure(&args, "sqlite", &store)));
        keep(&args, store)?;
    }
    if let Some(url) = &args.postgres_url {
        let store = Store::create(Some(url), "lvzhi_points_bench")?;
        failed |= report(rt.block_on(measure(&args, "postgres", &store)));
        keep(&args, store)?;
    }
    anyhow::ensure!(!failed, "a backend failed (see above)");
    Ok(())
}

/// With `--keep`, leaves the database behind (never dropped) and says where.
fn keep(args: &Args, store: Store) -> anyhow::Result<()> {
    if args.keep {
        eprintln!("kept: {}", store.database_url()?);
        std::mem::forget(store);
    }
    Ok(())
}

/// Prints a backend's failure and goes on to the next; true if it failed.
fn report(outcome: anyhow::Result<()>) -> bool {
    match outcome {
        Ok(()) => false,
        Err(e) => {
            println!("\n**failed:** {e:#}\n");
            eprintln!("failed: {e:#}");
            true
        }
    }
}

/// Where the clock starts: now, unless new year is within two weeks either
/// side (the seed spreads the year's events between its first day and now).
fn clock_start() -> chrono::DateTime<Utc> {
    let now = Utc::now();
    if now.ordinal() <= 15 || now.ordinal() >= 364 {
        now - chrono::Duration::days(20)
    } else {
        now
    }
}

async fn measure(args: &Args, backend: &str, store: &Store) -> anyhow::Result<()> {
    let config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: store.database_url()?,
        ..Config::default()
    };
    // A manual clock, as the test kit's: it stays at the start, so the
    // year and "sessions ended before now" hold for the whole run.
    let clock = Arc::new(ManualClock::new(clock_start()));
    let app = Application::build_with_clock(config, clock).await?;
    let (addr, state) = (app.addr(), app.state());
    let admin = app.first_admin().cloned().context("a first admin")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let measured = phases(args, backend, addr, &state, &admin.phone).await;
    drop(state);
    let _ = stop.send(());
    server.await??;
    measured
}

/// Prints the load phases' rows beside the run's /healthz (rate, p99).
struct Row<'a> {
    backend: &'a str,
    base: Option<(f64, f64)>,
}

impl Row<'_> {
    /// A load phase: rate and latency, beside /healthz's (rate, p99).
    fn load(&self, what: &str, connections: usize, tally: &Tally, seconds: u64) -> (f64, f64) {
        let rate = tally.ok as f64 / seconds as f64;
        let (p50, p99) = (tally.quantile_ms(0.5), tally.quantile_ms(0.99));
        let (x_rate, x_p99) = match self.base {
            Some((base_rate, base_p99)) => (
                format!("{:.3}", rate / base_rate),
                format!("{:.1}", p99 / base_p99),
            ),
            None => ("1".into(), "1".into()),
        };
        println!(
            "| {} | {what} | {connections} | {} | {rate:.0} | {x_rate} | {p50:.2} | {p99:.2} | {x_p99} | {} |",
            self.backend,
            tally.ok,
            tally.non_2xx + tally.errors
        );
        (rate, p99)
    }
}

async fn phases(
    args: &Args,
    backend: &str,
    addr: SocketAddr,
    state: &Arc<AppState>,
    admin_phone: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let seeded = seed::fill(state, admin_phone, args.members).await?;
    let seed_s = started.elapsed().as_secs_f64();
    let rows: usize = seeded.rows.iter().map(|r| r.1).sum();
    let breakdown: Vec<String> = seeded
        .rows
        .iter()
        .map(|(table, n)| format!("{table} {n}"))
        .collect();
    eprintln!(
        "{backend}: seeded {rows} rows in {seed_s:.0} s ({}); {} lines expected",
        breakdown.join(", "),
        seeded.expected_lines
    );
    if backend == "postgres" && !args.no_analyze {
        let t = Instant::now();
        state
            .db
            .run(|conn| {
                if let DbConnection::Postgres(pg) = conn {
                    diesel::sql_query("ANALYZE").execute(pg)?;
                }
                Ok(())
            })
            .await?;
        eprintln!("{backend}: ANALYZE in {:.1} s", t.elapsed().as_secs_f64());
    }

    let year = seeded.year;
    let (committee, organizer) = (seeded.committee, seeded.organizer);
    let office =
        state
            .auth
            .jwt
            .issue(organizer, committee, Role::Organizer, SessionId::new_v7())?;
    // Every member's token, in a shuffled order: connection i reads the
    // records of members i, i + connections, … of that order.
    let mut order: Vec<usize> = (0..seeded.members.len()).collect();
    shuffle(&mut order);
    let tokens = order
        .iter()
        .map(|&i| {
            state.auth.jwt.issue(
                seeded.members[i],
                committee,
                Role::Member,
                SessionId::new_v7(),
            )
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let calls = |path: &str| -> anyhow::Result<Arc<[Call]>> {
        tokens
            .iter()
            .map(|t| Call::get(path, Some(t)))
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Arc::from)
    };
    let healthz: Arc<[Call]> = Arc::from(vec![Call::get("/healthz", None)?]);
    let me = calls("/api/v1/me")?;
    let record = calls(&format!("/api/v1/me/points?year={year}"))?;

    let origin = format!("http://{addr}");
    let client = reqwest::Client::builder().build()?;
    // One record read before the load: live, with its lines.
    let sample = get_json(
        &client,
        &format!("{origin}/api/v1/me/points?year={year}"),
        &tokens[0],
    )
    .await?;
    anyhow::ensure!(
        sample["status"] == "open",
        "an open year: {}",
        sample["status"]
    );
    let sample_lines = sample["lines"].as_array().map_or(0, Vec::len);

    println!("## {backend}\n");
    println!(
        "Seeded {rows} rows in {seed_s:.0} s ({}); year {year}; {} lines in the records; one member's record: {sample_lines} lines.\n",
        breakdown.join(", "),
        seeded.expected_lines
    );
    println!(
        "| backend | what | conns | requests | req/s | × /healthz req/s | p50 ms | p99 ms | p99 × /healthz | failed |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let window = |seconds: u64| {
        let now = tokio::time::Instant::now();
        let measure_from = now + Duration::from_secs(args.warmup);
        Window {
            measure_from,
            until: measure_from + Duration::from_secs(seconds),
        }
    };
    let (n, secs) = (args.connections, args.seconds);
    let run = |calls: Arc<[Call]>, connections: usize| {
        let window = window(secs);
        async move {
            load::drive(addr, &[Group::new(connections, calls)], window)
                .await
                .into_iter()
                .next()
                .unwrap_or_else(Tally::new)
        }
    };

    let mut rows_out = Row {
        backend,
        base: None,
    };
    let base = run(healthz.clone(), n).await;
    let base_figures = rows_out.load("/healthz (baseline)", n, &base, secs);
    rows_out.base = Some(base_figures);
    let mut failures = base.non_2xx + base.errors;
    let t = run(me.clone(), n).await;
    rows_out.load("/me (random members)", n, &t, secs);
    failures += t.non_2xx + t.errors;
    let t = run(record.clone(), 1).await;
    rows_out.load("/me/points, open year (live), one connection", 1, &t, secs);
    failures += t.non_2xx + t.errors;
    let t = run(record.clone(), n).await;
    rows_out.load("/me/points, open year (live)", n, &t, secs);
    failures += t.non_2xx + t.errors;

    // The live summary: every record recomputed, one request at a time.
    let summary_url = format!("{origin}/api/v1/points/summary?year={year}");
    let mut live = Vec::new();
    let rss_before_summary = rss_mib(Process::This);
    for _ in 0..args.summary_runs {
        reset_peak_rss();
        let t = Instant::now();
        let summary = get_json(&client, &summary_url, &office).await?;
        live.push((t.elapsed().as_secs_f64(), peak_rss_mib(Process::This)));
        check_summary(&summary, "open", seeded.members.len())?;
    }

    // The close: recomputed once more and stored. Meanwhile a member makes
    // a small write again and again (forgetting a push token nobody has):
    // the close is one write transaction, and SQLite has one write lock.
    let closing = Arc::new(AtomicBool::new(true));
    let probe = tokio::spawn(write_probe(
        client.clone(),
        format!("{origin}/api/v1/me/devices/points-bench-probe"),
        tokens.get(1).unwrap_or(&office).clone(),
        closing.clone(),
    ));
    let rss_before_close = rss_mib(Process::This);
    reset_peak_rss();
    let t = Instant::now();
    let resp = client
        .post(format!("{origin}/api/v1/points/years/{year}/close"))
        .bearer_auth(&office)
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    let close_s = t.elapsed().as_secs_f64();
    let close_rss = peak_rss_mib(Process::This);
    closing.store(false, Ordering::Relaxed);
    let writes = probe.await?;
    anyhow::ensure!(status.is_success(), "close: {status}: {body}");
    let (lines, results) = state
        .db
        .run(move |conn| {
            let lines: i64 = points_lines::table
                .filter(points_lines::committee_id.eq(committee))
                .filter(points_lines::year.eq(year))
                .count()
                .get_result(conn)?;
            let results: i64 = points_results::table
                .filter(points_results::committee_id.eq(committee))
                .filter(points_results::year.eq(year))
                .count()
                .get_result(conn)?;
            Ok((lines, results))
        })
        .await?;

    let sample = get_json(
        &client,
        &format!("{origin}/api/v1/me/points?year={year}"),
        &tokens[0],
    )
    .await?;
    anyhow::ensure!(
        sample["status"] == "closed",
        "a closed year: {}",
        sample["status"]
    );
    anyhow::ensure!(
        sample["lines"].as_array().map_or(0, Vec::len) == sample_lines,
        "the frozen record has the live one's lines"
    );
    let t = run(record.clone(), 1).await;
    rows_out.load(
        "/me/points, closed year (stored), one connection",
        1,
        &t,
        secs,
    );
    failures += t.non_2xx + t.errors;
    let t = run(record.clone(), n).await;
    rows_out.load("/me/points, closed year (stored)", n, &t, secs);
    failures += t.non_2xx + t.errors;
    let t = run(healthz.clone(), n).await;
    rows_out.load("/healthz again (drift)", n, &t, secs);
    failures += t.non_2xx + t.errors;

    let mut frozen = Vec::new();
    let rss_before_frozen = rss_mib(Process::This);
    for _ in 0..args.summary_runs {
        reset_peak_rss();
        let t = Instant::now();
        let summary = get_json(&client, &summary_url, &office).await?;
        frozen.push((t.elapsed().as_secs_f64(), peak_rss_mib(Process::This)));
        check_summary(&summary, "closed", seeded.members.len())?;
    }

    println!(
        "\n| backend | what | runs | median s | min s | max s | process RSS MiB: before → peak |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    once_row(
        backend,
        "seed (rows straight into the database)",
        &[(seed_s, None)],
        None,
    );
    once_row(
        backend,
        "summary, open year (all records recomputed)",
        &live,
        rss_before_summary,
    );
    once_row(
        backend,
        &format!("close the year ({lines} lines, {results} results stored)"),
        &[(close_s, close_rss)],
        rss_before_close,
    );
    once_row(
        backend,
        "summary, closed year (stored)",
        &frozen,
        rss_before_frozen,
    );
    let mut write_ms: Vec<f64> = writes.iter().map(|w| w.0).collect();
    write_ms.sort_by(f64::total_cmp);
    let refused: Vec<String> = writes
        .iter()
        .filter(|w| !(200..300).contains(&w.1))
        .map(|w| format!("{} after {:.1} s at +{:.0} s", w.1, w.0 / 1000.0, w.2))
        .collect();
    for w in writes.iter().filter(|w| w.0 > 100.0) {
        eprintln!(
            "{backend}: write during the close at +{:.1} s: {} after {:.0} ms",
            w.2, w.1, w.0
        );
    }
    println!(
        "\nDuring the close, a member's write (`DELETE /me/devices/{{token}}`, one at a time): {} made in {close_s:.0} s, {} refused{}, median {:.1} ms, longest {:.0} ms.\n",
        writes.len(),
        refused.len(),
        if refused.is_empty() {
            String::new()
        } else {
            format!(" ({})", refused.join(", "))
        },
        write_ms.get(write_ms.len() / 2).copied().unwrap_or(0.0),
        write_ms.last().copied().unwrap_or(0.0),
    );

    anyhow::ensure!(
        usize::try_from(lines).ok() == Some(seeded.expected_lines),
        "stored {lines} lines, expected {}",
        seeded.expected_lines
    );
    anyhow::ensure!(
        usize::try_from(results).ok() == Some(seeded.members.len()),
        "stored {results} results for {} members",
        seeded.members.len()
    );
    anyhow::ensure!(failures == 0, "{failures} requests failed under load");
    Ok(())
}

fn once_row(backend: &str, what: &str, runs: &[(f64, Option<f64>)], rss_before: Option<f64>) {
    let mut secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
    secs.sort_by(f64::total_cmp);
    let median = secs.get(secs.len() / 2).copied().unwrap_or(0.0);
    let (min, max) = (
        secs.first().copied().unwrap_or(0.0),
        secs.last().copied().unwrap_or(0.0),
    );
    let rss = runs
        .iter()
        .filter_map(|r| r.1)
        .max_by(f64::total_cmp)
        .map_or("—".to_owned(), |peak| match rss_before {
            Some(before) => format!("{before:.0} → {peak:.0}"),
            None => format!("{peak:.0}"),
        });
    println!(
        "| {backend} | {what} | {} | {median:.2} | {min:.2} | {max:.2} | {rss} |",
        runs.len()
    );
}

/// Sends `DELETE url` one after another while `running`; each one's
/// milliseconds, status (0: no answer) and start in seconds from the first.
async fn write_probe(
    client: reqwest::Client,
    url: String,
    token: String,
    running: Arc<AtomicBool>,
) -> Vec<(f64, u16, f64)> {
    let mut out = Vec::new();
    let first = Instant::now();
    while running.load(Ordering::Relaxed) {
        let t = Instant::now();
        let status = match client.delete(&url).bearer_auth(&token).send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let _ = resp.bytes().await;
                status
            }
            Err(_) => 0,
        };
        out.push((
            t.elapsed().as_secs_f64() * 1000.0,
            status,
            (t - first).as_secs_f64(),
        ));
        // A member's pace, not a flood: the probe must not slow the close.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    out
}

/// The summary answers for every member, in the year's state.
fn check_summary(summary: &Value, status: &str, members: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        summary["status"] == status,
        "summary status: {}",
        summary["status"]
    );
    let items = summary["items"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(
        items == members,
        "summary of {items} members, expected {members}"
    );
    Ok(())
}

async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let resp = client.get(url).bearer_auth(token).send().await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    anyhow::ensure!(
        status.is_success(),
        "{url}: {status}: {}",
        String::from_utf8_lossy(&body)
    );
    Ok(serde_json::from_slice(&body)?)
}

/// A fixed shuffle (Fisher–Yates over splitmix64): the same order each run.
fn shuffle(items: &mut [usize]) {
    let mut state: u64 = 0x5EED_5EED_5EED_5EED;
    for i in (1..items.len()).rev() {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let j = (z % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
