//! `lvzhi-fanout`: how fast one announcement reaches every member's phone.
//!
//! Per backend (SQLite always; PostgreSQL with `--postgres-url`) and run, on
//! a fresh database: the release `lvzhi-server serve` starts as a child
//! process, configured by `LVZHI_*` variables only, with push pointed at a
//! local fake FCM (`lvzhi_tests::fake_fcm`, over real HTTP, in this process).
//! Its first start creates the committee and prints the admin's password;
//! then `--members` members with one phone each are written straight into the
//! database with the server's library, the admin signs in over HTTP and posts
//! one announcement to the whole committee, and the clock runs from that POST
//! until the fake has accepted a message for every member. Then the
//! server's delivery counts must say all sent, every phone must have had the
//! message exactly once, and the server's peak RSS (VmHWM) is read before it
//! is stopped with SIGTERM.
//!
//! The same session's baseline, once per run: the server's FCM client alone
//! (`FcmClient::send` for as many messages, `--max-in-flight` at a time, no
//! database) against a fake of its own, to show what the HTTP path alone
//! does on this machine.
//!
//! Markdown tables on stdout (each run's, then medians over the runs),
//! progress on stderr. The run fails if any fan-out misses a phone or sends
//! one twice.

mod curve;
mod probe;
mod seed;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use futures::StreamExt;
use lvzhi_server::config::PushConfig;
use lvzhi_server::push::fcm::{FcmClient, Push, SendOutcome};
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::ids::{AnnouncementId, NotificationId};
use lvzhi_shared::notifications::{Announcement, AnnouncementCreated, NotificationKind, push_data};
use lvzhi_tests::child::{self, ChildServer, Launch};
use lvzhi_tests::fake_fcm::FakeFcm;
use lvzhi_tests::procfs::{self, Process};
use lvzhi_tests::store::Store;
use tokio::runtime::Handle;

use crate::curve::Curve;

const TITLE: &str = "全体委员大会通知";
const BODY: &str = "定于下周一上午九时在机关大会堂召开全体委员大会，请准时参加。";

/// Fan-out of one announcement to every member, release server against a
/// local fake FCM, with the FCM client alone as the baseline.
#[derive(Parser, Debug)]
#[command(name = "lvzhi-fanout")]
struct Args {
    /// Members, each with one phone, the announcement goes to.
    #[arg(long, default_value_t = 10_000)]
    members: usize,
    /// Fresh databases (and servers) per backend.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// `push.max_in_flight` for the server and the baseline.
    #[arg(long, default_value_t = PushConfig::default().max_in_flight)]
    max_in_flight: usize,
    /// `push.batch_size` for the server.
    #[arg(long, default_value_t = PushConfig::default().batch_size)]
    batch_size: usize,
    /// A PostgreSQL URL allowed to create databases; without it only SQLite runs.
    #[arg(long, env = "LVZHI_TEST_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// Skip SQLite.
    #[arg(long)]
    no_sqlite: bool,
    /// The release server binary (default: the `lvzhi-server` built beside
    /// this binary, or the one LVZHI_TEST_SERVER_BIN names).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Longest wait for one fan-out to be delivered.
    #[arg(long, default_value_t = 180)]
    timeout_seconds: u64,
}

impl Args {
    fn check(&self) -> anyhow::Result<()> {
        if !(1..=100_000).contains(&self.members) {
            anyhow::bail!("--members must be 1 to 100000");
        }
        if !(1..=9).contains(&self.runs) {
            anyhow::bail!("--runs must be 1 to 9");
        }
        if !(1..=4096).contains(&self.max_in_flight) || !(1..=10_000).contains(&self.batch_size) {
            anyhow::bail!("--max-in-flight must be 1 to 4096, --batch-size 1 to 10000");
        }
        if self.no_sqlite && self.postgres_url.is_none() {
            anyhow::bail!("--no-sqlite leaves nothing to run without --postgres-url");
        }
        Ok(())
    }

    fn server_bin(&self) -> anyhow::Result<PathBuf> {
        let bin = match &self.server_bin {
            Some(bin) => bin.clone(),
            None => child::server_binary()
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .to_owned(),
        };
        if !bin.is_file() {
            anyhow::bail!(
                "no server binary at {}: build it with `cargo build --release -p lvzhi-server \
                 --bin lvzhi-server` or name it with --server-bin",
                bin.display()
            );
        }
        Ok(bin)
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

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }
}

/// One fan-out's figures. Times are from the start (the POST for the
/// server, the first send for the baseline).
#[derive(Clone, Debug, Default)]
struct Figures {
    /// Messages per second: messages / time to the last delivery.
    rate: f64,
    last_s: f64,
    /// The POST /announcements answer (recipients queued).
    post_ms: Option<f64>,
    first_ms: f64,
    p50_s: f64,
    p99_s: f64,
    /// Until the announcement's counts say nothing is queued.
    recorded_s: Option<f64>,
    stalls: f64,
    stall_s: f64,
    /// Messages / (last − first delivery − stalls): the pace while sending.
    sending_rate: f64,
    /// Cores used from the start to the last delivery.
    cpu_sender: f64,
    cpu_fake: f64,
    cpu_machine: f64,
    /// Sender CPU per message, µs.
    us_per_msg: f64,
    rss_idle_mib: Option<f64>,
    rss_peak_mib: Option<f64>,
    vs_baseline: Option<f64>,
    seed_s: Option<f64>,
}

struct Outcome {
    label: String,
    figures: Figures,
    check: String,
    passed: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    args.check()?;
    let server_bin = args.server_bin()?;
    let control_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench")
        .enable_all()
        .build()?;
    let fake_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(probe::FAKE_THREAD)
        .enable_all()
        .build()?;
    // The baseline client gets a runtime like the server's (two workers here).
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(probe::CLIENT_THREAD)
        .enable_all()
        .build()?;

    let started = chrono::Utc::now();
    let mut runs: Vec<Vec<Outcome>> = Vec::new();
    for run in 1..=args.runs {
        let outcomes = control_rt.block_on(run_once(
            &args,
            &server_bin,
            fake_rt.handle(),
            client_rt.handle(),
            run,
        ))?;
        println!(
            "### Run {run} of {}\n\n{}",
            args.runs,
            table(outcomes.iter().map(|o| (o.label.as_str(), &o.figures)))
        );
        for o in &outcomes {
            println!("- {}: {}", o.label, o.check);
        }
        println!();
        runs.push(outcomes);
    }
    drop(control_rt);
    drop(fake_rt);
    drop(client_rt);

    let medians = medians(&runs);
    println!(
        "### Median of {} run{}, each figure separately\n\n{}",
        args.runs,
        if args.runs == 1 { "" } else { "s" },
        table(medians.iter().map(|(l, f)| (l.as_str(), f)))
    );
    println!(
        "{} members with one phone each; push.max_in_flight {}, push.batch_size {}; server {}; \
         started {}.",
        args.members,
        args.max_in_flight,
        args.batch_size,
        server_bin.display(),
        started.format("%Y-%m-%d %H:%M UTC"),
    );
    println!("Machine: {}.", procfs::machine());
    let failures: Vec<String> = runs
        .iter()
        .enumerate()
        .flat_map(|(i, outcomes)| {
            outcomes
                .iter()
                .filter(|o| !o.passed)
                .map(move |o| format!("run {}, {}: {}", i + 1, o.label, o.check))
        })
        .collect();
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAILED {f}");
        }
        anyhow::bail!(
            "{} fan-out(s) did not reach every phone exactly once",
            failures.len()
        );
    }
    Ok(())
}

async fn run_once(
    args: &Args,
    server_bin: &std::path::Path,
    fake_rt: &Handle,
    client_rt: &Handle,
    run: usize,
) -> anyhow::Result<Vec<Outcome>> {
    eprintln!("run {run}: baseline, {} sends", args.members);
    let base = baseline(args, fake_rt, client_rt).await?;
    eprintln!(
        "run {run}: baseline {:.0} msg/s, last after {:.2} s",
        base.figures.rate, base.figures.last_s
    );
    let mut out = vec![base];
    for (backend, admin_url) in args.backends() {
        eprintln!("run {run}, {backend}: fresh database, server starting");
        let store = fresh_store(admin_url).await?;
        let outcome = server_fan_out(args, server_bin, backend, &store, fake_rt).await;
        discard(store).await?;
        let mut outcome = outcome?;
        outcome.figures.vs_baseline =
            (out[0].figures.rate > 0.0).then(|| outcome.figures.rate / out[0].figures.rate);
        eprintln!(
            "run {run}, {backend}: {:.0} msg/s, last after {:.2} s; {}",
            outcome.figures.rate, outcome.figures.last_s, outcome.check
        );
        out.push(outcome);
    }
    Ok(out)
}

async fn fresh_store(admin_url: Option<&str>) -> anyhow::Result<Store> {
    let admin_url = admin_url.map(str::to_owned);
    tokio::task::spawn_blocking(move || Store::create(admin_url.as_deref(), "lvzhi_bench")).await?
}

/// Dropping a PostgreSQL store drops its database: a blocking call.
async fn discard(store: Store) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || drop(store)).await?;
    Ok(())
}

/// A fresh fake FCM serving on `rt`.
async fn start_fake(rt: &Handle) -> anyhow::Result<Arc<FakeFcm>> {
    Ok(Arc::new(rt.spawn(FakeFcm::start()).await?))
}

/// Cores the machine was busy over half a second while this benchmark was
/// idle: anything else running (another build, say) shows up here.
async fn background_load() -> f64 {
    let before = probe::ticks(None);
    tokio::time::sleep(Duration::from_millis(500)).await;
    probe::between(&before, &probe::ticks(None)).machine
}

/// Joins the sampling thread without blocking a runtime worker.
async fn finish_curve(handle: std::thread::JoinHandle<Curve>) -> anyhow::Result<Curve> {
    tokio::task::spawn_blocking(move || handle.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the sampling thread panicked"))
}

/// The curve's figures for `n` messages, with the CPU over the window.
fn figures_of(curve: &Curve, n: usize, cpu: &probe::Cpu, sender_cpu: f64) -> Figures {
    let secs = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
    let last_s = secs(curve.time_of(n));
    let (stalls, stall_time) = curve.stalls();
    let first_s = secs(curve.time_of(1));
    Figures {
        sending_rate: n as f64 / (last_s - first_s - stall_time.as_secs_f64()),
        rate: n as f64 / last_s,
        last_s,
        first_ms: first_s * 1e3,
        p50_s: secs(curve.quantile(0.50, n)),
        p99_s: secs(curve.quantile(0.99, n)),
        stalls: stalls as f64,
        stall_s: stall_time.as_secs_f64(),
        cpu_sender: sender_cpu,
        cpu_fake: cpu.fake,
        cpu_machine: cpu.machine,
        us_per_msg: sender_cpu * last_s * 1e6 / n as f64,
        ..Figures::default()
    }
}

/// The FCM client alone: `members` sends, `max_in_flight` at a time.
async fn baseline(args: &Args, fake_rt: &Handle, client_rt: &Handle) -> anyhow::Result<Outcome> {
    let n = args.members;
    let fake = start_fake(fake_rt).await?;
    let dir = tempfile::tempdir()?;
    let credentials = fake.write_service_account(dir.path());
    let config = PushConfig {
        credentials_file: Some(credentials.display().to_string()),
        fcm_base_url: fake.base_url(),
        max_in_flight: args.max_in_flight,
        ..PushConfig::default()
    };
    let client = Arc::new(FcmClient::new(&config)?);
    let announcement = AnnouncementId::new_v7().to_string();
    let pushes: Vec<Push> = (0..n)
        .map(|i| Push {
            token: format!("{i:06}:{}", seed::fcm_like_token()),
            title: TITLE.into(),
            body: BODY.into(),
            data: vec![
                (
                    push_data::EVENT,
                    NotificationKind::Announcement.as_str().into(),
                ),
                (
                    push_data::NOTIFICATION_ID,
                    NotificationId::new_v7().to_string(),
                ),
                (push_data::ANNOUNCEMENT_ID, announcement.clone()),
            ],
            urgent: false,
        })
        .collect();
    let tokens: Vec<String> = pushes.iter().map(|p| p.token.clone()).collect();
    let in_flight = args.max_in_flight;
    let stop = Arc::new(AtomicBool::new(false));

    let background = background_load().await;
    let before = probe::ticks(None);
    let start = Instant::now();
    let sampler = curve::sample(fake.clone(), start, n, args.timeout(), stop.clone());
    let sends = client_rt.spawn(async move {
        futures::stream::iter(pushes)
            .map(|push| {
                let client = client.clone();
                async move { client.send(&push).await }
            })
            .buffer_unordered(in_flight)
            .collect::<Vec<SendOutcome>>()
            .await
    });
    let outcomes = sends.await;
    stop.store(true, Ordering::Relaxed);
    let curve = finish_curve(sampler).await?;
    let after = probe::ticks(None);
    let outcomes = outcomes?;
    let cpu = probe::between(&before, &after);
    let mut figures = figures_of(&curve, n, &cpu, cpu.client);
    figures.post_ms = None;

    let refused = outcomes
        .iter()
        .filter(|o| !matches!(o, SendOutcome::Delivered))
        .count();
    let (check, passed) = check_reached(&fake, &tokens, |reached| {
        (
            format!(
                "{} sends answered, {refused} not delivered; machine busy before: {background:.2} \
                 cores",
                outcomes.len()
            ),
            refused == 0 && reached,
        )
    })
    .await;
    Ok(Outcome {
        label: format!("Baseline: FcmClient alone, {in_flight} in flight"),
        figures,
        check,
        passed,
    })
}

/// Whether every token in `tokens` reached the fake exactly once and nothing
/// else did; `more` adds its own words and verdict given that answer.
async fn check_reached(
    fake: &FakeFcm,
    tokens: &[String],
    more: impl FnOnce(bool) -> (String, bool),
) -> (String, bool) {
    // Anything sent twice would arrive close behind the last first delivery.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = fake.received();
    let mut per_token: HashMap<&str, usize> = HashMap::with_capacity(received.len());
    for r in &received {
        *per_token.entry(r.token.as_str()).or_default() += 1;
    }
    let missing = tokens
        .iter()
        .filter(|t| !per_token.contains_key(t.as_str()))
        .count();
    let expected: std::collections::HashSet<&str> = tokens.iter().map(String::as_str).collect();
    let unknown = per_token.keys().filter(|t| !expected.contains(*t)).count();
    let duplicates = received.len() - per_token.len();
    let reached = missing == 0 && unknown == 0 && duplicates == 0;
    let (words, passed) = more(reached);
    (
        format!(
            "{} of {} phones reached, {} messages, {duplicates} duplicates, {unknown} unknown \
             tokens; {words}{}",
            tokens.len() - missing,
            tokens.len(),
            received.len(),
            if passed { "" } else { " — FAILED" }
        ),
        passed,
    )
}

/// The release server over `store`: seed, sign in, announce, time the fan-out.
async fn server_fan_out(
    args: &Args,
    server_bin: &std::path::Path,
    backend: &str,
    store: &Store,
    fake_rt: &Handle,
) -> anyhow::Result<Outcome> {
    let fake = start_fake(fake_rt).await?;
    let dir = tempfile::tempdir()?;
    let credentials = fake.write_service_account(dir.path());
    let database_url = store.database_url()?;
    // Push goes to the fake.
    let launch = Launch::new(&database_url)
        .binary(server_bin)
        .env(
            "LVZHI_PUSH__CREDENTIALS_FILE",
            credentials.display().to_string(),
        )
        .env("LVZHI_PUSH__FCM_BASE_URL", fake.base_url())
        .env("LVZHI_PUSH__MAX_IN_FLIGHT", args.max_in_flight.to_string())
        .env("LVZHI_PUSH__BATCH_SIZE", args.batch_size.to_string());
    let mut server = ChildServer::launch(launch).await?;
    let (Some(pid), Some(admin)) = (server.pid(), server.admin.clone()) else {
        anyhow::bail!(
            "the server started without printing the first admin; it said:\n{}",
            server.last_lines()
        );
    };
    let measured = fan_out(args, &server.origin, pid, &admin, &fake, &database_url).await;
    // VmHWM only grows: read just before the stop, it is the peak of the whole life.
    let peak = procfs::peak_rss_mib(Process::Pid(pid));
    let lines = server.last_lines();
    let exit = server.terminate_for_status(Duration::from_secs(20)).await;
    let (mut figures, mut check, mut passed) = match measured {
        Ok(m) => m,
        Err(e) => anyhow::bail!("{backend}: {e:#}\nthe server's last lines:\n{lines}"),
    };
    figures.rss_peak_mib = peak;
    match exit {
        Some(status) if status.success() => check.push_str("; stopped by SIGTERM, exit 0"),
        Some(status) => {
            let _ = write!(check, "; after SIGTERM it exited with {status} — FAILED");
            passed = false;
        }
        None => {
            check.push_str("; did not stop within 20 s of SIGTERM (killed) — FAILED");
            passed = false;
        }
    }
    Ok(Outcome {
        label: format!("{backend}: lvzhi-server"),
        figures,
        check,
        passed,
    })
}

/// The fan-out itself, on the server at `origin` (process `pid`, first-start admin `admin`).
async fn fan_out(
    args: &Args,
    origin: &str,
    pid: u32,
    admin: &child::Admin,
    fake: &Arc<FakeFcm>,
    database_url: &str,
) -> anyhow::Result<(Figures, String, bool)> {
    let n = args.members;
    let seeding = Instant::now();
    let tokens = seed::members_with_phones(database_url, n).await?;
    let seed_s = seeding.elapsed().as_secs_f64();
    eprintln!("  seeded {n} members with a phone each in {seed_s:.2} s");

    let http = reqwest::Client::builder().no_proxy().build()?;
    let api = |path: &str| format!("{origin}/api/v1{path}");
    let login = http
        .post(api("/auth/login"))
        .json(&serde_json::json!({"phone": admin.phone, "password": admin.password}))
        .send()
        .await?;
    if !login.status().is_success() {
        anyhow::bail!("the first admin's sign-in answered {}", login.status());
    }
    let office = login.json::<TokenPair>().await?.access_token;
    let rss_idle = procfs::rss_mib(Process::Pid(pid));
    let background = background_load().await;

    let stop = Arc::new(AtomicBool::new(false));
    let before = probe::ticks(Some(pid));
    let start = Instant::now();
    let sampler = curve::sample(fake.clone(), start, n, args.timeout(), stop.clone());
    let posted = http
        .post(api("/announcements"))
        .bearer_auth(&office)
        .json(&serde_json::json!({
            "title": TITLE,
            "body": BODY,
            "audience": {"kind": "committee"},
        }))
        .send()
        .await;
    let post_ms = start.elapsed().as_secs_f64() * 1e3;
    let created = match posted {
        Ok(resp) if resp.status().as_u16() == 201 => resp.json::<AnnouncementCreated>().await,
        Ok(resp) => {
            stop.store(true, Ordering::Relaxed);
            anyhow::bail!("POST /announcements answered {}", resp.status());
        }
        Err(e) => {
            stop.store(true, Ordering::Relaxed);
            return Err(e.into());
        }
    };
    let created = match created {
        Ok(c) => c,
        Err(e) => {
            stop.store(true, Ordering::Relaxed);
            return Err(e.into());
        }
    };
    if usize::try_from(created.recipients).ok() != Some(n) {
        stop.store(true, Ordering::Relaxed);
        anyhow::bail!(
            "the announcement went to {} members, not {n}",
            created.recipients
        );
    }
    eprintln!("  POST /announcements: {post_ms:.0} ms, {n} queued");
    let curve = finish_curve(sampler).await?;
    let after = probe::ticks(Some(pid));
    if curve.last_count() < n {
        anyhow::bail!(
            "only {} of {n} messages arrived within {} s",
            curve.last_count(),
            args.timeout_seconds
        );
    }
    let cpu = probe::between(&before, &after);
    let mut figures = figures_of(&curve, n, &cpu, cpu.child);
    figures.post_ms = Some(post_ms);
    figures.rss_idle_mib = rss_idle;
    figures.seed_s = Some(seed_s);

    // The last batch's verdicts are written after its last send.
    let deadline = Instant::now() + Duration::from_secs(60);
    let counts = loop {
        let resp = http
            .get(api(&format!("/announcements/{}", created.id)))
            .bearer_auth(&office)
            .send()
            .await?;
        if !resp.status().is_success() {
            anyhow::bail!("GET /announcements/{{id}} answered {}", resp.status());
        }
        let a = resp.json::<Announcement>().await?;
        if a.delivery.queued == 0 || Instant::now() > deadline {
            figures.recorded_s = (a.delivery.queued == 0).then(|| start.elapsed().as_secs_f64());
            break a.delivery;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let attempts = fake.attempts().len();
    let expected = i64::try_from(n)?;
    let (check, passed) = check_reached(fake, &tokens, |reached| {
        (
            format!(
                "{attempts} send requests; counts: {} sent, {} failed, {} no device, {} queued; \
                 seeded in {seed_s:.2} s; machine busy before: {background:.2} cores",
                counts.sent, counts.failed, counts.no_device, counts.queued
            ),
            reached && counts.sent == expected && counts.queued == 0,
        )
    })
    .await;
    Ok((figures, check, passed))
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.filter(|v| v.is_finite())
        .map_or("—".into(), |v| format!("{v:.digits$}"))
}

fn table<'a>(rows: impl Iterator<Item = (&'a str, &'a Figures)>) -> String {
    let mut out = String::from(
        "| Sender | msg/s | last delivery s | × baseline | POST ms | first ms | p50 s | p99 s \
         | all recorded s | stalls ≥ 5 ms (n, s) | msg/s outside stalls | CPU sender | CPU fake | CPU machine \
         | sender µs/msg | RSS idle → peak MiB |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (label, f) in rows {
        let rss = match (f.rss_idle_mib, f.rss_peak_mib) {
            (Some(a), Some(b)) => format!("{a:.0} → {b:.0}"),
            (None, Some(b)) => format!("? → {b:.0}"),
            _ => "—".into(),
        };
        let _ = writeln!(
            out,
            "| {label} | {:.0} | {:.2} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0}, {:.2} \
             | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {rss} |",
            f.rate,
            f.last_s,
            fmt_opt(f.vs_baseline, 2),
            fmt_opt(f.post_ms, 0),
            f.first_ms,
            f.p50_s,
            f.p99_s,
            fmt_opt(f.recorded_s, 2),
            f.stalls,
            f.stall_s,
            f.sending_rate,
            f.cpu_sender,
            f.cpu_fake,
            f.cpu_machine,
            f.us_per_msg,
        );
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn median_opt(v: Vec<Option<f64>>) -> Option<f64> {
    let present: Vec<f64> = v.into_iter().flatten().collect();
    (!present.is_empty()).then(|| median(present))
}

/// Per label (in first-run order), each figure's median over the runs.
fn medians(runs: &[Vec<Outcome>]) -> Vec<(String, Figures)> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|o| {
            let all: Vec<&Figures> = runs
                .iter()
                .filter_map(|r| r.iter().find(|x| x.label == o.label))
                .map(|x| &x.figures)
                .collect();
            let m = |f: fn(&Figures) -> f64| median(all.iter().map(|x| f(x)).collect());
            let mo =
                |f: fn(&Figures) -> Option<f64>| median_opt(all.iter().map(|x| f(x)).collect());
            let figures = Figures {
                rate: m(|f| f.rate),
                last_s: m(|f| f.last_s),
                post_ms: mo(|f| f.post_ms),
                first_ms: m(|f| f.first_ms),
                p50_s: m(|f| f.p50_s),
                p99_s: m(|f| f.p99_s),
                recorded_s: mo(|f| f.recorded_s),
                stalls: m(|f| f.stalls),
                stall_s: m(|f| f.stall_s),
                sending_rate: m(|f| f.sending_rate),
                cpu_sender: m(|f| f.cpu_sender),
                cpu_fake: m(|f| f.cpu_fake),
                cpu_machine: m(|f| f.cpu_machine),
                us_per_msg: m(|f| f.us_per_msg),
                rss_idle_mib: mo(|f| f.rss_idle_mib),
                rss_peak_mib: mo(|f| f.rss_peak_mib),
                vs_baseline: mo(|f| f.vs_baseline),
                seed_s: mo(|f| f.seed_s),
            };
            (o.label.clone(), figures)
        })
        .collect()
}
