//! `lvzhi-meetings-bench`: a provincial plenary (issue 13: 800 members).
//!
//! On the real server in-process over a fresh database (SQLite file;
//! PostgreSQL with `--postgres-url`), with 800 members summoned to one
//! session, it measures over HTTP:
//! 1. the check-in rush: every member checks in, `--concurrency` at a time,
//!    while one venue screen reads the quorum board again and again;
//! 2. the vote: every member casts an appraisal ballot (10 departments),
//!    `--concurrency` at a time — throughput and latency;
//! 3. the close and the tally: closing the round, then reading its results.
//!
//! Latencies are set beside `/healthz`'s median measured in the same run.
//! Members and the body are made through the domain's own functions; tokens
//! are minted with the server's keys (800 sign-ins would measure argon2).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, Utc};
use clap::Parser;
use diesel::prelude::*;
use futures::StreamExt;
use lvzhi_server::auth::Caller;
use lvzhi_server::domain::accounts::members;
use lvzhi_server::domain::meetings::{bodies, plan};
use lvzhi_server::error::AppError;
use lvzhi_server::{AppState, Application, Config};
use lvzhi_shared::ids::{CommitteeId, MeetingId, MemberId, SessionId};
use lvzhi_shared::meetings::{BodyKind, NewBody, NewBodyMember, NewMeeting};
use lvzhi_shared::members::{NewMember, Role};
use lvzhi_tests::store::Store;
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(about = "Meeting check-in, quorum board and appraisal vote (see BENCHMARKS.md)")]
struct Args {
    /// Members summoned (and voting).
    #[arg(long, default_value_t = 800)]
    members: usize,
    /// Requests in flight at once during the rush and the vote.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Departments on the ballot.
    #[arg(long, default_value_t = 10)]
    departments: usize,
    /// Also run on PostgreSQL (a user that may create databases).
    #[arg(long)]
    postgres_url: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "# Meetings: {} members, {} in flight, {} departments on the ballot\n",
        args.members, args.concurrency, args.departments
    );
    println!(
        "| backend | what | count | wall s | per s | median ms | p99 ms | × /healthz median |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    rt.block_on(measure(
        &args,
        "sqlite",
        &Store::create(None, "lvzhi_meetings_bench")?,
    ))?;
    if let Some(url) = &args.postgres_url {
        let store = Store::create(Some(url), "lvzhi_meetings_bench")?;
        rt.block_on(measure(&args, "postgres", &store))?;
    }
    Ok(())
}

struct Run<'a> {
    backend: &'a str,
    base_median: f64,
}

impl Run<'_> {
    fn row(&self, what: &str, times: &[f64], wall: Option<Duration>) {
        let (count, median, p99) = (times.len(), quantile(times, 0.5), quantile(times, 0.99));
        let (wall_s, rate) = match wall {
            Some(w) => (
                format!("{:.2}", w.as_secs_f64()),
                format!("{:.0}", count as f64 / w.as_secs_f64()),
            ),
            None => ("—".into(), "—".into()),
        };
        println!(
            "| {} | {what} | {count} | {wall_s} | {rate} | {median:.2} | {p99:.2} | {:.1} |",
            self.backend,
            median / self.base_median
        );
    }
}

async fn measure(args: &Args, backend: &str, store: &Store) -> anyhow::Result<()> {
    let config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: store.database_url()?,
        ..Config::default()
    };
    let app = Application::build(config).await?;
    let (addr, state) = (app.addr(), app.state());
    let admin = app.first_admin().cloned().context("a first admin")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));

    let (office, meeting, voters) = fill(args, &state, &admin.phone).await?;
    let origin = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency + 2)
        .build()?;
    let admin_token = state.auth.jwt.issue(
        office.user_id,
        office.committee_id,
        Role::Admin,
        SessionId::new_v7(),
    )?;

    let mut base = Vec::new();
    for i in 0..220 {
        let t = Instant::now();
        let r = client.get(format!("{origin}/healthz")).send().await?;
        r.bytes().await?;
        if i >= 20 {
            base.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let run = Run {
        backend,
        base_median: quantile(&base, 0.5),
    };
    run.row("/healthz (baseline)", &base, None);

    let api = |path: String| format!("{origin}/api/v1{path}");
    let get = |token: &str, path: String| client.get(api(path)).bearer_auth(token.to_owned());
    let meeting_view: Value = get(&admin_token, format!("/meetings/{meeting}"))
        .send()
        .await?
        .json()
        .await?;
    let session = meeting_view["sessions"][0]["id"]
        .as_str()
        .context("a session")?
        .to_owned();
    let code: Value = get(
        &admin_token,
        format!("/meetings/{meeting}/sessions/{session}/checkin-code"),
    )
    .send()
    .await?
    .json()
    .await?;
    let code = code["code"].as_str().context("code")?.to_owned();

    // Quorum board at rest.
    let mut idle = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let r = get(&admin_token, format!("/meetings/{meeting}/quorum"))
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "quorum: {}", r.status());
        r.bytes().await?;
        idle.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    run.row("quorum board, at rest", &idle, None);

    // 1. The check-in rush, the board read throughout.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let board = {
        let (client, url, token, done) = (
            client.clone(),
            api(format!("/meetings/{meeting}/quorum")),
            admin_token.clone(),
            done.clone(),
        );
        tokio::spawn(async move {
            let mut times = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                if let Ok(r) = client.get(&url).bearer_auth(&token).send().await {
                    let _ = r.bytes().await;
                }
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times
        })
    };
    let started = Instant::now();
    let checkins = timed_all(
        args,
        voters.iter().map(|token| {
            client
                .post(api(format!(
                    "/meetings/{meeting}/sessions/{session}/checkins"
                )))
                .bearer_auth(token)
                .json(&json!({"code": code}))
        }),
    )
    .await?;
    let rush = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let board_times = board.await?;
    run.row("check-in rush", &checkins, Some(rush));
    run.row("quorum board, during the rush", &board_times, None);
    let q: Value = get(&admin_token, format!("/meetings/{meeting}/quorum"))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(
        q["sessions"][0]["present"].as_u64() == Some(args.members as u64),
        "everyone present: {q}"
    );

    // 2. The vote.
    let departments: Vec<String> = (0..args.departments)
        .map(|i| format!("第{}号评议对象", i + 1))
        .collect();
    let round: Value = client
        .post(api("/appraisals".into()))
        .bearer_auth(&admin_token)
        .json(&json!({"meeting_id": meeting, "title": "民主评议", "departments": departments}))
        .send()
        .await?
        .json()
        .await?;
    let round_id = round["id"].as_str().context("round")?.to_owned();
    client
        .post(api(format!("/appraisals/{round_id}/open")))
        .bearer_auth(&admin_token)
        .send()
        .await?
        .error_for_status()?;
    let ids: Vec<String> = round["departments"]
        .as_array()
        .context("departments")?
        .iter()
        .filter_map(|d| d["id"].as_str().map(str::to_owned))
        .collect();
    let ratings = [
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        "cannot_judge",
    ];
    let started = Instant::now();
    let votes = timed_all(
        args,
        voters.iter().enumerate().map(|(v, token)| {
            let answers: Vec<Value> = ids
                .iter()
                .enumerate()
                .map(|(d, id)| json!({"department_id": id, "rating": ratings[(v + d) % 4]}))
                .collect();
            client
                .post(api(format!("/appraisals/{round_id}/ballots")))
                .bearer_auth(token)
                .json(&json!({ "answers": answers }))
        }),
    )
    .await?;
    let vote_wall = started.elapsed();
    run.row("ballots (all at once)", &votes, Some(vote_wall));

    // 3. Close and tally.
    let t = Instant::now();
    let closed: Value = client
        .post(api(format!("/appraisals/{round_id}/close")))
        .bearer_auth(&admin_token)
        .send()
        .await?
        .json()
        .await?;
    let close_ms = t.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(closed["status"] == "closed", "closed: {closed}");
    run.row("close the round", &[close_ms], None);
    let t = Instant::now();
    let results: Value = get(&admin_token, format!("/appraisals/{round_id}/results"))
        .send()
        .await?
        .json()
        .await?;
    let tally_ms = t.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        results["ballots"].as_u64() == Some(args.members as u64),
        "every ballot counted: {results}"
    );
    run.row("results (the tally)", &[tally_ms], None);

    drop(state);
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// Sends every request, `concurrency` in flight; each must succeed.
async fn timed_all(
    args: &Args,
    requests: impl Iterator<Item = reqwest::RequestBuilder>,
) -> anyhow::Result<Vec<f64>> {
    let results: Vec<anyhow::Result<f64>> = futures::stream::iter(requests)
        .map(|req| async move {
            let t = Instant::now();
            let resp = req.send().await?;
            let status = resp.status();
            let body = resp.text().await?;
            anyhow::ensure!(status.is_success(), "{status}: {body}");
            Ok(t.elapsed().as_secs_f64() * 1000.0)
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    results.into_iter().collect()
}

fn quantile(times: &[f64], q: f64) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(at).copied().unwrap_or(0.0)
}

/// The members, a body of all of them and a published meeting whose one
/// session starts in 30 minutes (check-in is open); the members' tokens.
async fn fill(
    args: &Args,
    state: &Arc<AppState>,
    admin_phone: &str,
) -> anyhow::Result<(Caller, MeetingId, Vec<String>)> {
    let phone = admin_phone.to_owned();
    let (admin_id, committee): (MemberId, CommitteeId) = state
        .db
        .run(move |conn| {
            use lvzhi_server::db::schema::users;
            Ok(users::table
                .filter(users::phone.eq(phone))
                .select((users::id, users::committee_id))
                .get_result(conn)?)
        })
        .await?;
    let office = Caller {
        user_id: admin_id,
        committee_id: committee,
        role: Role::Admin,
        session_id: SessionId::new_v7(),
    };
    let ctx = state.ctx(office.clone()).await?;
    let count = args.members;
    let starts = Utc::now().fixed_offset() + chrono::Duration::minutes(30);
    let meeting_input: NewMeeting = serde_json::from_value(json!({
        "kind": "plenary", "body_id": uuid::Uuid::nil().to_string(), "title": "全省政协全体会议",
        "sessions": [{"title": "开幕大会", "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(), "place": "省政协礼堂"}],
    }))?;
    let (meeting, member_ids) = state
        .write(&ctx, move |conn, ctx| {
            let body = bodies::create(
                conn,
                ctx,
                &NewBody {
                    name: "全体委员".into(),
                    kind: BodyKind::Plenary,
                    term: "第十三届".into(),
                },
            )?;
            let mut ids = Vec::with_capacity(count);
            for i in 0..count {
                let input = NewMember {
                    name: format!(
                        "压测委员{}",
                        lvzhi_tests::chinese_digits(&format!("{i:04}"))
                    ),
                    phone: format!("137{i:08}"),
                    ..NewMember::default()
                };
                let fields =
                    members::MemberFields::parse(&input, ctx.now.year()).map_err(AppError::from)?;
                let ((row, _), _) = members::create(
                    conn,
                    ctx.caller.committee_id,
                    fields,
                    Role::Member,
                    7,
                    ctx.now,
                )?;
                bodies::add_member(
                    conn,
                    ctx,
                    body.id,
                    &NewBodyMember {
                        member_id: row.id,
                        joined_on: ctx.now.date() - chrono::Duration::days(30),
                        left_on: None,
                        voting: None,
                    },
                )?;
                ids.push(row.id);
            }
            let id = plan::create(
                conn,
                ctx,
                &NewMeeting {
                    body_id: body.id,
                    ..meeting_input
                },
            )?;
            plan::publish(conn, ctx, id)?;
            Ok((id, ids))
        })
        .await?;
    let tokens = member_ids
        .into_iter()
        .map(|id| {
            state
                .auth
                .jwt
                .issue(id, committee, Role::Member, SessionId::new_v7())
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok((office, meeting, tokens))
}
