//! `lvzhi-console-bench`: how fast the office's console pages render for a
//! large committee (issue 12 asks for 3,000 members, 500 activities and
//! 50,000 sign-ups; pages under 50 ms at p99 and under 200 KB).
//!
//! It builds the real server in-process over a fresh database (SQLite file;
//! PostgreSQL with `--postgres-url`), fills it in-process (members and
//! activities through the domain's own functions; sign-ups as rows in
//! batches, since 50,000 office sign-ups would each write a notification),
//! signs in to the console as the admin, and asks each page `--requests`
//! times in a row over one keep-alive connection, after a warm-up. Each
//! page's median and p99 are set beside `/healthz`'s, measured the same way
//! in the same run (the baseline: the HTTP stack with no work).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, Utc};
use clap::Parser;
use diesel::prelude::*;
use lvzhi_server::auth::Caller;
use lvzhi_server::db::models::{RoleRow, SignupRow};
use lvzhi_server::db::schema::{activity_roles, signups};
use lvzhi_server::domain::{accounts::members, activities};
use lvzhi_server::error::AppError;
use lvzhi_server::{AppState, Application, Config};
use lvzhi_shared::activities::{Attendance, NewActivity, SignupStatus};
use lvzhi_shared::ids::{ActivityId, MemberId, SignupId};
use lvzhi_shared::members::{NewMember, Role};
use lvzhi_tests::store::Store;

#[derive(Parser, Debug)]
#[command(about = "Console page latency for a large committee (see BENCHMARKS.md)")]
struct Args {
    /// Members of the committee.
    #[arg(long, default_value_t = 3000)]
    members: usize,
    /// Activities over the year: two thirds past, one third to come.
    #[arg(long, default_value_t = 500)]
    activities: usize,
    /// Sign-ups, spread evenly over the activities.
    #[arg(long, default_value_t = 50_000)]
    signups: usize,
    /// Requests per page measured, one after another.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Requests per page before measuring.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Refresh the planner's statistics after filling (`ANALYZE`).
    #[arg(long)]
    analyze: bool,
    /// Keep the PostgreSQL database afterwards (its name is printed), to
    /// look at plans with psql.
    #[arg(long)]
    keep: bool,
    /// Also run on PostgreSQL (a user that may create databases).
    #[arg(long)]
    postgres_url: Option<String>,
}

/// Sectors the members are spread over (the committee's defaults).
const SECTORS: [&str; 6] = [
    "经济界",
    "科技界",
    "教育界",
    "医药卫生界",
    "农业界",
    "文化艺术界",
];

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "# Console pages: {} members, {} activities, {} sign-ups; {} requests per page after {} warm-up\n",
        args.members, args.activities, args.signups, args.requests, args.warmup
    );
    println!("| backend | page | median ms | p99 ms | × /healthz median | bytes |");
    println!("|---|---|---:|---:|---:|---:|");
    rt.block_on(run(
        &args,
        "sqlite",
        Store::create(None, "lvzhi_console_bench")?,
    ))?;
    if let Some(url) = &args.postgres_url {
        let store = Store::create(Some(url), "lvzhi_console_bench")?;
        let name = store.database_url()?;
        rt.block_on(run(&args, "postgres", store))?;
        if args.keep {
            eprintln!("kept: {name}");
        }
    }
    Ok(())
}

async fn run(args: &Args, backend: &str, store: Store) -> anyhow::Result<()> {
    let measured = measure(args, backend, &store).await;
    if args.keep {
        // Not dropped: the database stays for psql.
        std::mem::forget(store);
    }
    measured
}

async fn measure(args: &Args, backend: &str, store: &Store) -> anyhow::Result<()> {
    let config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: store.database_url()?,
        ..Config::default()
    };
    let app = Application::build(config).await?;
    let (addr, state) = (app.addr(), app.state());
    let admin = app
        .first_admin()
        .cloned()
        .context("a fresh database gets a first admin")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));

    let filled = Instant::now();
    let pages = fill(args, &state, &admin.phone).await?;
    eprintln!(
        "{backend}: filled in {:.0} s",
        filled.elapsed().as_secs_f64()
    );

    let origin = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()?;
    let session = sign_in(&client, &origin, &admin.phone, &admin.password).await?;

    let (base, _) = timings(args, &client, &format!("{origin}/healthz"), &session).await?;
    let base_median = quantile(&base, 0.5);
    for (name, path) in pages {
        let (times, bytes) = timings(args, &client, &format!("{origin}{path}"), &session).await?;
        let median = quantile(&times, 0.5);
        println!(
            "| {backend} | {name} | {median:.2} | {:.2} | {:.1} | {bytes} |",
            quantile(&times, 0.99),
            median / base_median
        );
    }
    println!(
        "| {backend} | /healthz (baseline) | {base_median:.2} | {:.2} | 1.0 | — |",
        quantile(&base, 0.99)
    );
    drop(state);
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// The `name=value` of a cookie the answer sets.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|line| line.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// Signs in through the console's own form (its CSRF cookie and field);
/// returns the session's `Cookie` header.
async fn sign_in(
    client: &reqwest::Client,
    origin: &str,
    phone: &str,
    password: &str,
) -> anyhow::Result<String> {
    let page = client.get(format!("{origin}/console/login")).send().await?;
    let login_cookie = set_cookie(&page, "lvzhi_console_sign_in").context("sign-in cookie")?;
    let form = page.text().await?;
    let csrf = form
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the sign-in form's token")?
        .to_owned();
    let signed_in = client
        .post(format!("{origin}/console/login"))
        .header(reqwest::header::COOKIE, login_cookie)
        .form(&[("phone", phone), ("password", password), ("csrf", &csrf)])
        .send()
        .await?;
    anyhow::ensure!(
        signed_in.status() == 303,
        "console sign-in: {}",
        signed_in.status()
    );
    set_cookie(&signed_in, "lvzhi_console").context("session cookie")
}

/// Milliseconds of each measured request, and the largest body's bytes.
async fn timings(
    args: &Args,
    client: &reqwest::Client,
    url: &str,
    session: &str,
) -> anyhow::Result<(Vec<f64>, usize)> {
    let mut times = Vec::with_capacity(args.requests);
    let mut bytes = 0;
    for i in 0..args.warmup + args.requests {
        let started = Instant::now();
        let resp = client
            .get(url)
            .header(reqwest::header::COOKIE, session)
            .send()
            .await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        let took = started.elapsed();
        anyhow::ensure!(status == 200, "{url}: {status}");
        if i >= args.warmup {
            times.push(took.as_secs_f64() * 1000.0);
            bytes = bytes.max(body.len());
        }
    }
    Ok((times, bytes))
}

fn quantile(times: &[f64], q: f64) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(at).copied().unwrap_or(0.0)
}

/// The committee as the benchmark needs it; returns the pages to ask for.
async fn fill(
    args: &Args,
    state: &Arc<AppState>,
    admin_phone: &str,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let office = {
        let phone = admin_phone.to_owned();
        let row = state
            .db
            .run(move |conn| {
                use lvzhi_server::db::schema::users;
                users::table
                    .filter(users::phone.eq(phone))
                    .select((users::id, users::committee_id))
                    .get_result::<(MemberId, lvzhi_shared::ids::CommitteeId)>(conn)
                    .map_err(AppError::from)
            })
            .await?;
        Caller {
            user_id: row.0,
            committee_id: row.1,
            role: Role::Admin,
            session_id: lvzhi_shared::ids::SessionId::new_v7(),
        }
    };
    let ctx = state.ctx(office.clone()).await?;
    let (count, days) = (args.members, state.config.auth.activation_code_days);
    let member_ids = state
        .write(&ctx, move |conn, ctx| {
            (0..count)
                .map(|i| {
                    let input = NewMember {
                        name: format!(
                            "压测委员{}",
                            lvzhi_tests::chinese_digits(&format!("{i:04}"))
                        ),
                        phone: format!("137{i:08}"),
                        member_no: Some(format!("B{i:05}")),
                        sector: Some(SECTORS[i % SECTORS.len()].to_owned()),
                        ..NewMember::default()
                    };
                    let fields = members::MemberFields::parse(&input, ctx.now.year())
                        .map_err(AppError::from)?;
                    let ((row, _), _) = members::create(
                        conn,
                        ctx.caller.committee_id,
                        fields,
                        Role::Member,
                        days,
                        ctx.now,
                    )?;
                    Ok(row.id)
                })
                .collect::<Result<Vec<MemberId>, AppError>>()
        })
        .await?;

    // One activity every 17 hours, from eight months ago on.
    let first = Utc::now().fixed_offset() - chrono::Duration::days(240);
    let inputs = (0..args.activities)
        .map(|i| {
            let starts = first + chrono::Duration::hours(17 * i64::try_from(i)?);
            let (kind, theme) = match i % 3 {
                0 => ("training", None),
                1 => ("outreach", Some("health")),
                _ => ("inspection", None),
            };
            let body = serde_json::json!({
                "kind": kind, "theme": theme,
                "title": format!("压测活动第{}期", i + 1),
                "location": "机关会议室",
                "capacity": 120,
                "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
            });
            Ok(serde_json::from_value::<NewActivity>(body)?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let activity_ids = state
        .write(&ctx, move |conn, ctx| {
            inputs
                .iter()
                .map(|input| {
                    let id = activities::create(conn, ctx, input)?;
                    activities::publish(conn, ctx, id)?;
                    Ok(id)
                })
                .collect::<Result<Vec<ActivityId>, AppError>>()
        })
        .await?;

    // Sign-ups as rows: each activity gets an even share, members in turn;
    // past ones with attendance marked, a tenth of each on the waitlist.
    let per = args.signups / activity_ids.len().max(1);
    let now = Utc::now().naive_utc();
    let ids = activity_ids.clone();
    let members_ = member_ids.clone();
    state
        .db
        .write(move |conn| {
            for (a, activity) in ids.iter().enumerate() {
                let role: RoleRow = activity_roles::table
                    .filter(activity_roles::activity_id.eq(activity))
                    .select(RoleRow::as_select())
                    .first(conn)?;
                let past = a * 3 < ids.len() * 2;
                let rows: Vec<SignupRow> = (0..per)
                    .map(|k| {
                        let waitlisted = k * 10 >= per * 9;
                        SignupRow {
                            id: SignupId::new_v7(),
                            activity_id: *activity,
                            role_id: role.id,
                            user_id: members_[(a * 7 + k) % members_.len()],
                            seq: i64::try_from(k).unwrap_or(i64::MAX),
                            status: if waitlisted {
                                SignupStatus::Waitlisted
                            } else {
                                SignupStatus::Registered
                            },
                            attendance: (past && !waitlisted).then_some(if k % 5 == 0 {
                                Attendance::Absent
                            } else {
                                Attendance::Attended
                            }),
                            checked_in_at: None,
                            created_at: now,
                            updated_at: now,
                        }
                    })
                    .collect();
                // One by one: diesel has no batch insert over both backends at once.
                for row in &rows {
                    diesel::insert_into(signups::table)
                        .values(row)
                        .execute(conn)?;
                }
            }
            Ok::<(), AppError>(())
        })
        .await?;

    // The busiest pages: an activity to come with a full roster, a member
    // with a year of sign-ups.
    let upcoming = activity_ids[activity_ids.len() * 2 / 3 + 1];
    let member = member_ids[7];
    Ok(vec![
        ("工作台", "/console/today".to_owned()),
        ("委员 (first page)", "/console/members".to_owned()),
        ("委员 search", "/console/members?q=压测委员一".to_owned()),
        ("委员 page", format!("/console/members/{member}")),
        ("活动 list", "/console/activities".to_owned()),
        ("活动 past year", "/console/activities?when=past".to_owned()),
        (
            "活动 page (roster)",
            format!("/console/activities/{upcoming}"),
        ),
        (
            "出勤 grid",
            format!("/console/activities/{upcoming}/attendance"),
        ),
        ("签到表", format!("/console/activities/{upcoming}/sheet")),
        ("通知", "/console/notices".to_owned()),
        ("统计", "/console/stats".to_owned()),
        ("操作日志", "/console/settings/audit".to_owned()),
        ("代为报名", format!("/console/members/{member}/signup")),
    ])
}
