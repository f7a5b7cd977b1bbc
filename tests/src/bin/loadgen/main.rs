//! `lvzhi-loadgen`: the benchmark behind BENCHMARKS.md.
//!
//! It runs the real Lvzhi server in-process, on a runtime of its own (two
//! workers by default, as `lvzhi-server serve` gets on a two-core machine),
//! over a temporary SQLite file and, when a PostgreSQL admin URL is given,
//! over a fresh PostgreSQL database that is dropped afterwards. It creates
//! members through the API (the admin adds them, each activates with a
//! password), then loads the server from a separate runtime with
//! closed-loop keep-alive HTTP/1.1 connections (hyper), each scenario for a
//! fixed time after a warm-up:
//!
//! - **A — baseline**: a tiny poem-openapi service in this binary with one
//!   `GET /whoami` operation whose only work is verifying the bearer JWT with
//!   the real server's keys (`AppState::jwt`) and answering a small JSON. It
//!   is the ceiling an authenticated poem-openapi operation can reach here.
//! - **H — `GET /healthz`** on the real server: its routing and per-request
//!   middleware (request id, log span, metrics), no token, no database.
//! - **B — `GET /api/v1/me`** with valid tokens of many distinct members:
//!   token check plus two database reads on the blocking pool.
//! - **C — `GET /api/v1/me` while other clients sign in** with correct
//!   passwords in a loop (`POST /api/v1/auth/login`): shows whether bounded
//!   argon2 hashing stalls reads. Logins beyond the server's hash queue are
//!   refused with 503 by design; they are counted as non-2xx.
//!
//! For each it reports 2xx answers per second, p50 and p99 latency of 2xx
//! answers (HdrHistogram, microsecond resolution), non-2xx answers,
//! connection errors, the ratio to the baseline of the same run, and the CPU
//! the server, the generator and the whole machine used in the window. Output
//! is a markdown table on stdout (progress goes to stderr); with `--runs N`
//! each figure's median over the runs follows. Every loop ends on its own;
//! the only HTTP target is 127.0.0.1.

mod accounts;
mod load;
mod report;
mod servers;
mod sys;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use lvzhi_server::Config;
use tokio::runtime::Handle;
use tokio::time::Instant;

use crate::load::{Call, Group, Window};
use crate::report::Row;
use crate::servers::Store;
use crate::sys::CpuUse;

/// Scenario labels, as they appear in the table.
const BASELINE: &str = "A baseline: JWT check only";
const HEALTHZ: &str = "H /healthz (middleware only)";
const ME: &str = "B /me";
const ME_DURING_LOGINS: &str = "C /me during logins";
const LOGINS: &str = "C login";

/// Load generator for the Lvzhi server: measures authenticated reads against
/// a token-check-only baseline, alone and beside a flood of sign-ins.
#[derive(Parser, Debug)]
#[command(name = "lvzhi-loadgen")]
struct Args {
    /// Seconds each scenario is measured (after the warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Keep-alive connections reading (`/whoami`, `/healthz`, `/me`).
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Clients signing in in a loop during scenario C.
    #[arg(long, default_value_t = 32)]
    login_clients: usize,
    /// Distinct members whose tokens the reads use (at most 999).
    #[arg(long, default_value_t = 200)]
    members: usize,
    /// Worker threads of the server's runtime.
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Repetitions of the whole benchmark, each on fresh databases; with more
    /// than one, a table of per-figure medians follows.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// A PostgreSQL URL allowed to create databases, e.g.
    /// postgres://postgres@127.0.0.1:5432/postgres; without it only SQLite runs.
    #[arg(long, env = "LVZHI_TEST_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// Skip the SQLite runs.
    #[arg(long)]
    no_sqlite: bool,
}

impl Args {
    fn check(&self) -> anyhow::Result<()> {
        let within = |name: &str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(anyhow::anyhow!("--{name} must be {lo} to {hi}"))
            }
        };
        within("seconds", usize::try_from(self.seconds)?, 1, 300)?;
        within("warmup", usize::try_from(self.warmup)?, 0, 60)?;
        within("connections", self.connections, 1, 1024)?;
        within("login-clients", self.login_clients, 0, 256)?;
        within("members", self.members, 1, 999)?;
        within("server-threads", self.server_threads, 1, 64)?;
        within("client-threads", self.client_threads, 1, 64)?;
        within("runs", self.runs, 1, 9)?;
        if self.no_sqlite && self.postgres_url.is_none() {
            anyhow::bail!("--no-sqlite leaves nothing to run without --postgres-url");
        }
        Ok(())
    }

    fn backends(&self) -> Vec<(&'static str, Option<&str>)> {
        let mut out = Vec::new();
        if !self.no_sqlite {
            out.push(("SQLite", None));
        }
        if let Some(url) = &self.postgres_url {
            out.push(("PostgreSQL", Some(url.as_str())));
        }
        out
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    args.check()?;
    // Two schedulers, so the generator and the server do not share one. The
    // server's is otherwise tokio's default, as `lvzhi-server serve` runs.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads)
        .thread_name(sys::SERVER_THREAD)
        .enable_all()
        .build()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads)
        .thread_name(sys::LOADGEN_THREAD)
        .enable_all()
        .build()?;

    let started = chrono::Utc::now();
    let mut runs = Vec::with_capacity(args.runs);
    for run in 1..=args.runs {
        let rows = client_rt.block_on(run_once(&args, server_rt.handle(), run))?;
        if args.runs > 1 {
            println!("### Run {run} of {}\n\n{}", args.runs, report::table(&rows));
        }
        runs.push(rows);
    }
    drop(client_rt);
    drop(server_rt);

    let title = if args.runs > 1 {
        format!("Median of {} runs (each figure separately)", args.runs)
    } else {
        "Results".to_owned()
    };
    println!("### {title}\n\n{}", report::table(&report::medians(&runs)));
    println!(
        "{} s measured per scenario after {} s warm-up; {} reading connections, {} signing-in \
         clients, {} members; server runtime {} workers, load generator {} workers; \
         started {}.",
        args.seconds,
        args.warmup,
        args.connections,
        args.login_clients,
        args.members,
        args.server_threads,
        args.client_threads,
        started.format("%Y-%m-%d %H:%M UTC"),
    );
    println!("Machine: {}.", sys::machine());
    match sys::peak_rss_mib() {
        Some(mib) => println!("Peak RSS of the whole process (server + generator): {mib:.0} MiB."),
        None => println!("Peak RSS: unavailable (no /proc/self/status)."),
    }
    Ok(())
}

/// Every scenario on every backend, once.
async fn run_once(args: &Args, rt: &Handle, run: usize) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (backend, postgres_url) in args.backends() {
        eprintln!("run {run}, {backend}: preparing");
        rows.extend(run_backend(args, rt, backend, postgres_url).await?);
    }
    Ok(rows)
}

async fn run_backend(
    args: &Args,
    rt: &Handle,
    backend: &'static str,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    let admin_url = postgres_url.map(str::to_owned);
    let store = tokio::task::spawn_blocking(move || Store::create(admin_url.as_deref())).await??;
    let outcome = scenarios(args, rt, backend, &store).await;
    // Dropping a PostgreSQL store drops its database: a blocking call.
    tokio::task::spawn_blocking(move || drop(store)).await?;
    outcome
}

async fn scenarios(
    args: &Args,
    rt: &Handle,
    backend: &'static str,
    store: &Store,
) -> anyhow::Result<Vec<Row>> {
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: store.database_url()?,
        ..Config::default()
    };
    // Only failed sign-ins count towards a lock, but every client shares 127.0.0.1.
    config.login.max_failures_per_address = 1_000_000;
    // Tokens must outlive the benchmark.
    config.auth.access_token_minutes = 24 * 60;
    let (server, state, admin) = servers::start_real(rt, config).await?;

    let setup = Instant::now();
    let accounts = accounts::create(&server.origin(), &admin, args.members).await?;
    eprintln!(
        "{backend}: {} members created and activated in {:.1} s; process RSS now {:.0} MiB",
        accounts.len(),
        setup.elapsed().as_secs_f64(),
        sys::rss_mib().unwrap_or(0.0)
    );
    let calls = |f: &dyn Fn(&accounts::Account) -> anyhow::Result<Call>| {
        accounts
            .iter()
            .map(f)
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Arc::<[Call]>::from)
    };
    let whoami = calls(&|a| Call::get("/whoami", Some(&a.access_token)))?;
    let me = calls(&|a| Call::get("/api/v1/me", Some(&a.access_token)))?;
    let logins = calls(&|a| {
        Call::post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"phone": a.phone, "password": accounts::PASSWORD}),
        )
    })?;
    let healthz: Arc<[Call]> = Arc::from(vec![Call::get("/healthz", None)?]);
    let reading = |calls: &Arc<[Call]>| Group {
        connections: args.connections,
        calls: calls.clone(),
    };
    let seconds = args.seconds as f64;
    let mut rows = Vec::new();

    eprintln!("{backend}: {BASELINE}");
    let baseline = servers::start_baseline(rt, state.clone()).await?;
    let (t, cpu) = measure(args, baseline.addr, &[reading(&whoami)]).await;
    baseline.stop().await?;
    rows.push(Row::new(backend, BASELINE, &t[0], seconds, Some(cpu)));

    eprintln!("{backend}: {HEALTHZ}");
    let (t, cpu) = measure(args, server.addr, &[reading(&healthz)]).await;
    rows.push(Row::new(backend, HEALTHZ, &t[0], seconds, Some(cpu)));

    eprintln!("{backend}: {ME}");
    let (t, cpu) = measure(args, server.addr, &[reading(&me)]).await;
    rows.push(Row::new(backend, ME, &t[0], seconds, Some(cpu)));

    if args.login_clients > 0 {
        eprintln!("{backend}: {ME_DURING_LOGINS}");
        let signing_in = Group {
            connections: args.login_clients,
            calls: logins,
        };
        let (t, cpu) = measure(args, server.addr, &[reading(&me), signing_in]).await;
        rows.push(Row::new(
            backend,
            ME_DURING_LOGINS,
            &t[0],
            seconds,
            Some(cpu),
        ));
        rows.push(Row::new(backend, LOGINS, &t[1], seconds, None));
    }

    let base_rate = rows[0].rate;
    for row in rows.iter_mut().filter(|r| r.scenario != LOGINS) {
        row.vs_baseline = (base_rate > 0.0).then(|| row.rate / base_rate);
    }
    drop(state);
    server.stop().await?;
    Ok(rows)
}

/// Loads `addr` with `groups` for the warm-up and the measured window; a
/// tally per group and the CPU used in the measured window.
async fn measure(args: &Args, addr: SocketAddr, groups: &[Group]) -> (Vec<load::Tally>, CpuUse) {
    let measure_from = Instant::now() + Duration::from_secs(args.warmup);
    let window = Window {
        measure_from,
        until: measure_from + Duration::from_secs(args.seconds),
    };
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(window.measure_from).await;
        let before = sys::snapshot();
        tokio::time::sleep_until(window.until).await;
        sys::between(&before, &sys::snapshot())
    });
    let tallies = load::drive(addr, groups, window).await;
    let cpu = cpu.await.unwrap_or(CpuUse {
        server: 0.0,
        loadgen: 0.0,
        machine: 0.0,
    });
    // Let work abandoned at the end of the window (queued sign-ins) drain.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let ok: Vec<String> = tallies.iter().map(|t| t.ok.to_string()).collect();
    eprintln!(
        "  {} answers 2xx in the window; process RSS now {:.0} MiB",
        ok.join(" + "),
        sys::rss_mib().unwrap_or(0.0)
    );
    (tallies, cpu)
}
