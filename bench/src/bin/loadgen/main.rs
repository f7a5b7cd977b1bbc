//! `lvzhi-loadgen`: the benchmark behind BENCHMARKS.md.
//!
//! It runs the real Lvzhi server in-process, on a runtime of its own (two
//! workers by default, as `lvzhi-server serve` gets on a two-core machine),
//! over a temporary SQLite file and, when a PostgreSQL admin URL is given,
//! over a fresh PostgreSQL database that is dropped afterwards. For A–C and L
//! it creates members through the API (the admin adds them, each activates
//! with a password), then loads the server from a separate runtime with
//! closed-loop keep-alive HTTP/1.1 connections (hyper), each scenario for a
//! fixed time after a warm-up; S is a one-shot race instead:
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
//! - **L — `GET /api/v1/activities`** as members, with 200 published
//!   activities in the committee: the default page (50) and `?limit=200`.
//! - **S — the sign-up race**, on a fresh server and database per setting of
//!   `signups.max_batch` (by default the server's 128, then 1 = one commit per
//!   sign-up): 2,000 members made in-process (no argon2) all sign up at once
//!   for one activity with 100 places, over 256 connections. The answers must
//!   add up exactly (100 registered, waitlist positions 1..1900 each once, no
//!   non-2xx) and agree with the database; otherwise the run fails.
//!
//! For each it reports 2xx answers per second (for S: sign-ups per second
//! over the race, from the first send to the last answer), p50 and p99 latency of 2xx
//! answers (HdrHistogram, microsecond resolution), non-2xx answers,
//! connection errors, the ratio to the baseline of the same run, and the CPU
//! the server, the generator and the whole machine used in the window. Output
//! is a markdown table on stdout (progress goes to stderr); with `--runs N`
//! each figure's median over the runs follows. Every loop ends on its own;
//! the only HTTP target is 127.0.0.1.

mod accounts;
mod direct;
mod load;
mod race;
mod report;
mod servers;
mod sys;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use lvzhi_server::domain::accounts::bootstrap::FirstAdmin;
use lvzhi_server::{AppState, Config};
use lvzhi_shared::activities::{Activity, ActivityPage};
use lvzhi_shared::ids::ActivityId;
use tokio::runtime::Handle;
use tokio::time::Instant;

use crate::load::{Call, Group, Window};
use crate::race::Verdict;
use crate::report::Row;
use crate::servers::Running;
use crate::sys::CpuUse;
use lvzhi_tests::child::{ChildServer, Launch};
use lvzhi_tests::procfs::{self, Process};
use lvzhi_tests::store::Store;

/// Scenario labels, as they appear in the table.
const BASELINE: &str = "A baseline: JWT check only";
const HEALTHZ: &str = "H /healthz (middleware only)";
const ME: &str = "B /me";
const ME_DURING_LOGINS: &str = "C /me during logins";
const LOGINS: &str = "C login";
const LIST: &str = "L /activities (default page: 50)";
const LIST_200: &str = "L /activities?limit=200";
const FLOOD_NONE: &str = "F login, no flood";
const FLOOD_ONE_LOGIN: &str = "F login, flood from 1 address";
const FLOOD_ONE: &str = "F flood from 1 address (refusals/s)";
const FLOOD_MANY_LOGIN: &str = "F login, flood from 64 addresses";
const FLOOD_MANY: &str = "F flood from 64 addresses (refusals/s)";

/// Members sign in from here; floods come from 127.0.0.1 or 127.0.1.x.
/// The server throttles failed sign-ins per client address.
const MEMBERS_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
/// Wrong-password sign-ins per flood connection set.
const FLOOD_CONNECTIONS: usize = 64;

/// The label of a race over server processes.
fn procs_label(processes: usize) -> String {
    format!("S sign-up race, {processes} server process(es)")
}

/// The race's label for one `signups.max_batch` setting.
fn race_label(max_batch: usize) -> String {
    if max_batch == 1 {
        "S sign-up race, max_batch 1 (one commit each)".to_owned()
    } else {
        format!("S sign-up race, max_batch {max_batch}")
    }
}

/// The scenarios `--only` can pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// A: the JWT-only baseline.
    A,
    /// H: `/healthz`.
    H,
    /// B: `/me`.
    B,
    /// C: `/me` during sign-ins (needs `--login-clients` > 0).
    C,
    /// L: `GET /activities`.
    List,
    /// S: the sign-up race.
    Race,
    /// S over 1 and then 2 release server processes on one database.
    Procs,
    /// F: members sign in during a flood of wrong passwords.
    Flood,
}

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
    /// Run only these scenarios, comma-separated (a,h,b,c,list,race,procs,flood); default: all.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Scenario>,
    /// Published activities in the committee for the list scenario (L).
    #[arg(long, default_value_t = 200)]
    list_activities: usize,
    /// Members signing up at once in the race (S).
    #[arg(long, default_value_t = 2000)]
    race_members: usize,
    /// Places of the race's activity.
    #[arg(long, default_value_t = 100)]
    race_capacity: usize,
    /// Keep-alive connections the race's sign-ups are sent over.
    #[arg(long, default_value_t = 256)]
    race_connections: usize,
    /// `signups.max_batch` settings to race with, comma-separated, each on a
    /// fresh server and database (default: the server's default, then 1).
    #[arg(long, value_delimiter = ',', default_values_t = [Config::default().signups.max_batch, 1])]
    race_batches: Vec<usize>,
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
        within("list-activities", self.list_activities, 1, 1000)?;
        within("race-members", self.race_members, 1, 100_000)?;
        within("race-capacity", self.race_capacity, 1, 100_000)?;
        within("race-connections", self.race_connections, 1, 4096)?;
        for &batch in &self.race_batches {
            within("race-batches", batch, 1, 100_000)?;
        }
        if self.no_sqlite && self.postgres_url.is_none() {
            anyhow::bail!("--no-sqlite leaves nothing to run without --postgres-url");
        }
        Ok(())
    }

    /// Whether `--only` leaves this scenario in.
    fn wants(&self, scenario: Scenario) -> bool {
        self.only.is_empty() || self.only.contains(&scenario)
    }

    /// Whether any scenario on the long-lived server (all but the race) runs.
    fn wants_main_server(&self) -> bool {
        [
            Scenario::A,
            Scenario::H,
            Scenario::B,
            Scenario::C,
            Scenario::List,
            Scenario::Flood,
        ]
        .into_iter()
        .any(|s| self.wants(s))
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
    let mut failures = Vec::new();
    for run in 1..=args.runs {
        let (rows, verdicts) = client_rt.block_on(run_once(&args, server_rt.handle(), run))?;
        if args.runs > 1 {
            println!("### Run {run} of {}\n\n{}", args.runs, report::table(&rows));
            print_race_ratios(&args, &rows);
        }
        print_verdicts(run, &verdicts);
        failures.extend(
            verdicts
                .into_iter()
                .filter(|(_, v)| !v.passed)
                .map(|(label, v)| format!("run {run}, {label}: {}", v.report)),
        );
        runs.push(rows);
    }
    drop(client_rt);
    drop(server_rt);

    let title = if args.runs > 1 {
        format!("Median of {} runs (each figure separately)", args.runs)
    } else {
        "Results".to_owned()
    };
    let medians = report::medians(&runs);
    println!("### {title}\n\n{}", report::table(&medians));
    print_race_ratios(&args, &medians);
    println!(
        "{} s measured per scenario after {} s warm-up; {} reading connections, {} signing-in \
         clients, {} members; L: {} published activities; S: {} members, {} places, {} \
         connections, max_batch {:?}; server runtime {} workers, load generator {} workers; \
         started {}.",
        args.seconds,
        args.warmup,
        args.connections,
        args.login_clients,
        args.members,
        args.list_activities,
        args.race_members,
        args.race_capacity,
        args.race_connections,
        args.race_batches,
        args.server_threads,
        args.client_threads,
        started.format("%Y-%m-%d %H:%M UTC"),
    );
    println!("Machine: {}.", procfs::machine());
    match procfs::peak_rss_mib(Process::This) {
        Some(mib) => println!("Peak RSS of the whole process (server + generator): {mib:.0} MiB."),
        None => println!("Peak RSS: unavailable (no /proc/self/status)."),
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{f}");
        }
        anyhow::bail!("{} sign-up race(s) did not add up", failures.len());
    }
    Ok(())
}

/// Each race's verification, one line per race.
fn print_verdicts(run: usize, verdicts: &[(String, Verdict)]) {
    if verdicts.is_empty() {
        return;
    }
    println!("Sign-up race checks, run {run}:\n");
    for (label, v) in verdicts {
        println!("- {label}: {}", v.report);
    }
    println!();
}

/// Sign-ups/s of each race setting over the one-commit-per-sign-up setting.
fn print_race_ratios(args: &Args, rows: &[Row]) {
    let single = race_label(1);
    for backend in ["SQLite", "PostgreSQL"] {
        let Some(one) = rows
            .iter()
            .find(|r| r.backend == backend && r.scenario == single)
        else {
            continue;
        };
        for &batch in args.race_batches.iter().filter(|&&b| b != 1) {
            let label = race_label(batch);
            if let Some(r) = rows
                .iter()
                .find(|r| r.backend == backend && r.scenario == label)
                && one.rate > 0.0
            {
                println!(
                    "{backend}: sign-ups/s with max_batch {batch} over max_batch 1: {:.0} / \
                     {:.0} = {:.1}×",
                    r.rate,
                    one.rate,
                    r.rate / one.rate
                );
            }
        }
    }
    println!();
}

/// Every scenario on every backend, once; the rows and each race's verdict.
async fn run_once(
    args: &Args,
    rt: &Handle,
    run: usize,
) -> anyhow::Result<(Vec<Row>, Vec<(String, Verdict)>)> {
    let mut rows = Vec::new();
    let mut verdicts = Vec::new();
    for (backend, postgres_url) in args.backends() {
        eprintln!("run {run}, {backend}: preparing");
        let mut backend_rows = Vec::new();
        if args.wants_main_server() {
            let store = fresh_store(postgres_url).await?;
            let outcome = scenarios(args, rt, backend, &store).await;
            discard(store).await?;
            backend_rows.extend(outcome?);
        }
        if args.wants(Scenario::Race) {
            for &max_batch in &args.race_batches {
                let store = fresh_store(postgres_url).await?;
                let outcome = race_scenario(args, rt, backend, &store, max_batch).await;
                discard(store).await?;
                let (row, verdict) = outcome?;
                verdicts.push((format!("{backend}, {}", row.scenario), verdict));
                backend_rows.push(row);
            }
        }
        if args.wants(Scenario::Procs) {
            for processes in [1, 2] {
                let store = fresh_store(postgres_url).await?;
                let outcome = procs_race(args, rt, backend, &store, processes).await;
                discard(store).await?;
                let (row, verdict) = outcome?;
                verdicts.push((format!("{backend}, {}", row.scenario), verdict));
                backend_rows.push(row);
            }
        }
        let base_rate = backend_rows
            .iter()
            .find(|r| r.scenario == BASELINE)
            .map(|r| r.rate)
            .filter(|&r| r > 0.0);
        let not_reads = [
            LOGINS,
            FLOOD_NONE,
            FLOOD_ONE_LOGIN,
            FLOOD_ONE,
            FLOOD_MANY_LOGIN,
            FLOOD_MANY,
        ];
        for row in backend_rows
            .iter_mut()
            .filter(|r| !not_reads.contains(&r.scenario.as_str()))
        {
            row.vs_baseline = base_rate.map(|b| row.rate / b);
        }
        rows.extend(backend_rows);
    }
    Ok((rows, verdicts))
}

async fn fresh_store(postgres_url: Option<&str>) -> anyhow::Result<Store> {
    let admin_url = postgres_url.map(str::to_owned);
    tokio::task::spawn_blocking(move || Store::create(admin_url.as_deref(), "lvzhi_bench")).await?
}

/// Dropping a PostgreSQL store drops its database: a blocking call.
async fn discard(store: Store) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || drop(store)).await?;
    Ok(())
}

/// The server's configuration over `store`, as the benchmark runs it.
fn server_config(store: &Store) -> anyhow::Result<Config> {
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: store.database_url()?,
        ..Config::default()
    };
    // The sign-in throttle keeps its defaults: members sign in from
    // MEMBERS_ADDRESS, which only ever sends correct passwords.
    // Tokens must outlive the benchmark.
    config.auth.access_token_minutes = 24 * 60;
    Ok(config)
}

/// A, H, B, C and L on one server over `store`.
async fn scenarios(
    args: &Args,
    rt: &Handle,
    backend: &'static str,
    store: &Store,
) -> anyhow::Result<Vec<Row>> {
    let (server, state, admin) = servers::start_real(rt, server_config(store)?).await?;
    let rows = main_scenarios(args, rt, backend, &server, &state, &admin).await;
    drop(state);
    server.stop().await?;
    rows
}

async fn main_scenarios(
    args: &Args,
    rt: &Handle,
    backend: &'static str,
    server: &Running,
    state: &Arc<AppState>,
    admin: &FirstAdmin,
) -> anyhow::Result<Vec<Row>> {
    let needs_accounts = [Scenario::A, Scenario::B, Scenario::C, Scenario::Flood]
        .into_iter()
        .any(|s| args.wants(s));
    let accounts = if needs_accounts {
        let setup = Instant::now();
        let accounts = accounts::create(&server.origin(), admin, args.members).await?;
        eprintln!(
            "{backend}: {} members created and activated in {:.1} s; process RSS now {:.0} MiB",
            accounts.len(),
            setup.elapsed().as_secs_f64(),
            procfs::rss_mib(Process::This).unwrap_or(0.0)
        );
        accounts
    } else {
        Vec::new()
    };
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
            None,
        )
    })?;
    let healthz: Arc<[Call]> = Arc::from(vec![Call::get("/healthz", None)?]);
    let reading = |calls: &Arc<[Call]>| Group::new(args.connections, calls.clone());
    let seconds = args.seconds as f64;
    let mut rows = Vec::new();

    if args.wants(Scenario::A) {
        eprintln!("{backend}: {BASELINE}");
        let baseline = servers::start_baseline(rt, state.clone()).await?;
        let (t, cpu, peak) = measure(args, baseline.addr, &[reading(&whoami)]).await;
        baseline.stop().await?;
        rows.push(Row::new(backend, BASELINE, &t[0], seconds, Some(cpu)).with_peak_rss(peak));
    }

    if args.wants(Scenario::H) {
        eprintln!("{backend}: {HEALTHZ}");
        let (t, cpu, peak) = measure(args, server.addr, &[reading(&healthz)]).await;
        rows.push(Row::new(backend, HEALTHZ, &t[0], seconds, Some(cpu)).with_peak_rss(peak));
    }

    if args.wants(Scenario::B) {
        eprintln!("{backend}: {ME}");
        let (t, cpu, peak) = measure(args, server.addr, &[reading(&me)]).await;
        rows.push(Row::new(backend, ME, &t[0], seconds, Some(cpu)).with_peak_rss(peak));
    }

    if args.wants(Scenario::C) && args.login_clients > 0 {
        eprintln!("{backend}: {ME_DURING_LOGINS}");
        let signing_in = Group::new(args.login_clients, logins.clone()).from(vec![MEMBERS_ADDRESS]);
        let (t, cpu, peak) = measure(args, server.addr, &[reading(&me), signing_in]).await;
        rows.push(
            Row::new(backend, ME_DURING_LOGINS, &t[0], seconds, Some(cpu)).with_peak_rss(peak),
        );
        rows.push(Row::new(backend, LOGINS, &t[1], seconds, None));
    }

    if args.wants(Scenario::List) {
        let tokens: Vec<String> = if accounts.is_empty() {
            let client = reqwest::Client::new();
            let token = accounts::admin_token(&client, &server.origin(), admin).await?;
            let office = direct::caller(state, &token)?;
            direct::members(state, office.committee_id, args.members, "187")
                .await?
                .into_iter()
                .map(|m| m.access_token)
                .collect()
        } else {
            accounts.iter().map(|a| a.access_token.clone()).collect()
        };
        let setup = Instant::now();
        prepare_list(args, server, state, admin, &tokens[0]).await?;
        eprintln!(
            "{backend}: {} activities created and published in {:.1} s",
            args.list_activities,
            setup.elapsed().as_secs_f64()
        );
        for (label, path) in [
            (LIST, "/api/v1/activities"),
            (LIST_200, "/api/v1/activities?limit=200"),
        ] {
            eprintln!("{backend}: {label}");
            let list = tokens
                .iter()
                .map(|t| Call::get(path, Some(t)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (t, cpu, peak) = measure(args, server.addr, &[reading(&Arc::from(list))]).await;
            rows.push(Row::new(backend, label, &t[0], seconds, Some(cpu)).with_peak_rss(peak));
        }
    }

    // Last: the flood leaves 127.0.0.1 locked out of signing in.
    if args.wants(Scenario::Flood) && args.login_clients > 0 && !accounts.is_empty() {
        rows.extend(flood(args, backend, server, &logins).await?);
    }
    Ok(rows)
}

/// F: members sign in (correct passwords, from MEMBERS_ADDRESS) alone, then
/// during a flood of wrong passwords for unknown phones from one address,
/// then from 64 addresses (127.0.1.1–64), each on the same server.
async fn flood(
    args: &Args,
    backend: &'static str,
    server: &Running,
    logins: &Arc<[Call]>,
) -> anyhow::Result<Vec<Row>> {
    let seconds = args.seconds as f64;
    let members = || Group::new(args.login_clients, logins.clone()).from(vec![MEMBERS_ADDRESS]);
    let wrong: Arc<[Call]> = (0..1000)
        .map(|i| {
            Call::post_json(
                "/api/v1/auth/login",
                &serde_json::json!({"phone": format!("1370000{i:04}"), "password": "wrong-password-1"}),
                None,
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?
        .into();
    // Unknown phone (401), locked phone or address (429), hash queue full (503).
    let refusals = || {
        vec![
            hyper::StatusCode::UNAUTHORIZED,
            hyper::StatusCode::TOO_MANY_REQUESTS,
            hyper::StatusCode::SERVICE_UNAVAILABLE,
        ]
    };
    let many: Vec<IpAddr> = (1..=64)
        .map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 1, i)))
        .collect();
    let mut rows = Vec::new();

    eprintln!("{backend}: {FLOOD_NONE}");
    let (t, cpu, peak) = measure(args, server.addr, &[members()]).await;
    rows.push(Row::new(backend, FLOOD_NONE, &t[0], seconds, Some(cpu)).with_peak_rss(peak));

    for (login_label, flood_label, from) in [
        (FLOOD_ONE_LOGIN, FLOOD_ONE, Vec::new()),
        (FLOOD_MANY_LOGIN, FLOOD_MANY, many),
    ] {
        eprintln!("{backend}: {login_label}");
        let flooding = Group::new(FLOOD_CONNECTIONS, wrong.clone())
            .from(from)
            .expecting(refusals());
        let (t, cpu, peak) = measure(args, server.addr, &[members(), flooding]).await;
        let mut login =
            Row::new(backend, login_label, &t[0], seconds, Some(cpu)).with_peak_rss(peak);
        let alone = rows[0].rate;
        login.vs_baseline = (alone > 0.0).then(|| login.rate / alone);
        rows.push(login);
        rows.push(Row::new(backend, flood_label, &t[1], seconds, None));
    }
    Ok(rows)
}

/// Creates the list scenario's published activities in-process, then checks
/// through the API that a member sees pages of the expected sizes.
async fn prepare_list(
    args: &Args,
    server: &Running,
    state: &Arc<AppState>,
    admin: &FirstAdmin,
    member_token: &str,
) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let token = accounts::admin_token(&client, &server.origin(), admin).await?;
    let office = direct::caller(state, &token)?;
    direct::published_activities(state, &office, args.list_activities, 50).await?;
    for (query, expected) in [("", 50), ("?limit=200", 200)] {
        let page: ActivityPage = accounts::ok_json(
            client
                .get(format!("{}/api/v1/activities{query}", server.origin()))
                .bearer_auth(member_token)
                .send()
                .await?,
        )
        .await?;
        let expected = args.list_activities.min(expected);
        if page.items.len() != expected {
            anyhow::bail!(
                "GET /activities{query} as a member listed {} activities, expected {expected}",
                page.items.len()
            );
        }
    }
    Ok(())
}

/// S: one race on a fresh server over `store` with `signups.max_batch` set.
async fn race_scenario(
    args: &Args,
    rt: &Handle,
    backend: &'static str,
    store: &Store,
    max_batch: usize,
) -> anyhow::Result<(Row, Verdict)> {
    let mut config = server_config(store)?;
    config.signups.max_batch = max_batch;
    let (server, state, admin) = servers::start_real(rt, config).await?;
    let outcome = race_on(args, backend, &server, &state, &admin, max_batch).await;
    drop(state);
    server.stop().await?;
    outcome
}

async fn race_on(
    args: &Args,
    backend: &'static str,
    server: &Running,
    state: &Arc<AppState>,
    admin: &FirstAdmin,
    max_batch: usize,
) -> anyhow::Result<(Row, Verdict)> {
    let label = race_label(max_batch);
    let (activity_id, members) = race_setup(args, backend, &label, server, state, admin).await?;
    procfs::reset_peak_rss();
    let outcome = race::run(
        &[server.addr],
        &[],
        &activity_id,
        &members,
        args.race_connections,
    )
    .await?;
    let peak = procfs::peak_rss_mib(Process::This);
    race_verdict(
        args,
        backend,
        &label,
        state,
        &activity_id,
        &members,
        &outcome,
        peak,
    )
    .await
}

/// S over server processes: the in-process server prepares the database
/// (first admin, the activity, the members and their tokens) and stops; then
/// `processes` release servers share the race, its connections spread over them.
async fn procs_race(
    args: &Args,
    rt: &Handle,
    backend: &'static str,
    store: &Store,
    processes: usize,
) -> anyhow::Result<(Row, Verdict)> {
    let label = procs_label(processes);
    let (server, state, admin) = servers::start_real(rt, server_config(store)?).await?;
    let prepared = race_setup(args, backend, &label, &server, &state, &admin).await;
    server.stop().await?;
    let (activity_id, members) = prepared?;
    let mut started = Vec::with_capacity(processes);
    for _ in 0..processes {
        started.push(ChildServer::launch(child_launch(&store.database_url()?)).await?);
    }
    let addrs: Vec<SocketAddr> = started.iter().map(ChildServer::addr).collect();
    let pids: Vec<u32> = started.iter().filter_map(ChildServer::pid).collect();
    let outcome = race::run(&addrs, &pids, &activity_id, &members, args.race_connections).await;
    let peak: Option<f64> = pids
        .iter()
        .map(|&p| procfs::peak_rss_mib(Process::Pid(p)))
        .sum();
    for mut process in started {
        process.terminate(Duration::from_secs(10)).await;
    }
    let outcome = outcome?;
    let verdict = race_verdict(
        args,
        backend,
        &label,
        &state,
        &activity_id,
        &members,
        &outcome,
        peak,
    )
    .await;
    drop(state);
    verdict
}

/// A release `lvzhi-server serve` for the race over processes, on a database
/// the in-process server has already prepared: it signs with the secret kept
/// there (the members' tokens were issued with it), there is no first-start
/// admin to read, and its log goes to `/dev/null` so that reading it costs
/// this process nothing.
fn child_launch(database_url: &str) -> Launch {
    Launch::new(database_url)
        .secret_from_database()
        .discard_output()
        .inherit_log_filter()
}

/// The race's activity (created and published through the API, as the office
/// would) and its members with tokens (made in-process).
async fn race_setup(
    args: &Args,
    backend: &'static str,
    label: &str,
    server: &Running,
    state: &Arc<AppState>,
    admin: &FirstAdmin,
) -> anyhow::Result<(ActivityId, Vec<direct::Member>)> {
    let setup = Instant::now();
    let client = reqwest::Client::new();
    let origin = server.origin();
    let token = accounts::admin_token(&client, &origin, admin).await?;
    let office = direct::caller(state, &token)?;
    let starts = chrono::Utc::now().fixed_offset() + chrono::Duration::days(1);
    let draft: Activity = accounts::ok_json(
        client
            .post(format!("{origin}/api/v1/activities"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "kind": "training",
                "title": "报名压测",
                "capacity": args.race_capacity,
                "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
            }))
            .send()
            .await?,
    )
    .await?;
    let published: Activity = accounts::ok_json(
        client
            .post(format!("{origin}/api/v1/activities/{}/publish", draft.id))
            .bearer_auth(&token)
            .send()
            .await?,
    )
    .await?;
    let members = direct::members(state, office.committee_id, args.race_members, "186").await?;
    eprintln!(
        "{backend}: {label}: {} members and the activity ready in {:.1} s",
        members.len(),
        setup.elapsed().as_secs_f64()
    );
    Ok((published.id, members))
}

/// Checks the race against the database; the row for the table.
#[allow(clippy::too_many_arguments)]
async fn race_verdict(
    args: &Args,
    backend: &'static str,
    label: &str,
    state: &Arc<AppState>,
    activity_id: &ActivityId,
    members: &[direct::Member],
    outcome: &race::Outcome,
    peak: Option<f64>,
) -> anyhow::Result<(Row, Verdict)> {
    let stored = race::stored(state, activity_id).await?;
    let verdict = race::verify(outcome, members, activity_id, args.race_capacity, &stored);
    eprintln!("  {}", verdict.report);
    let row = Row::new(
        backend,
        label,
        &outcome.tally,
        outcome.wall.as_secs_f64(),
        Some(outcome.cpu),
    )
    .with_peak_rss(peak);
    Ok((row, verdict))
}

/// Loads `addr` with `groups` for the warm-up and the measured window; a
/// tally per group and the CPU used in the measured window.
async fn measure(
    args: &Args,
    addr: SocketAddr,
    groups: &[Group],
) -> (Vec<load::Tally>, CpuUse, Option<f64>) {
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
    procfs::reset_peak_rss();
    let tallies = load::drive(addr, groups, window).await;
    let peak = procfs::peak_rss_mib(Process::This);
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
        procfs::rss_mib(Process::This).unwrap_or(0.0)
    );
    (tallies, cpu, peak)
}
