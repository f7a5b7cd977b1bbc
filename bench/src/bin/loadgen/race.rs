//! Scenario S, the sign-up race: every member signs up for one activity at
//! once, and the answers must add up exactly.
//!
//! All sign-ups are ready before the start; at the start a fixed set of
//! keep-alive connections (opened beforehand) begin taking them from one
//! shared queue in order, each sending its next as soon as its previous is
//! answered. Every sign-up is therefore either in flight or queued from the
//! first instant (open loop: none waits for a place to be decided before
//! being issued), and at most `connections` are at the server at a time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::HeaderValue;
use lvzhi_server::AppState;
use lvzhi_server::db::schema::signups;
use lvzhi_shared::activities::{SignupResult, SignupStatus};
use lvzhi_shared::ids::{ActivityId, MemberId};
use tokio::time::{Instant, timeout_at};

use crate::direct::Member;
use crate::load::{self, Call, Tally};
use crate::sys::{self, CpuUse};

/// Longest the whole race may take before what is unanswered counts as broken.
const RACE_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest latency the histograms hold, in microseconds.
const MAX_MICROS: u64 = 300_000_000;

/// What became of one sign-up request.
enum Answer {
    /// Not sent (the race timed out first).
    Unsent,
    Signed(SignupResult),
    /// A non-2xx answer: status and the start of the body.
    Refused(StatusCode, String),
    /// No answer: a broken connection or the race's time limit.
    Broken(String),
}

/// What the race measured and every answer.
pub struct Outcome {
    /// Send-to-answer latency of 2xx answers, and the counts.
    pub tally: Tally,
    /// From the start to each 2xx answer, microseconds.
    pub since_start: Histogram<u64>,
    /// From the start (first send) to the last answer.
    pub wall: Duration,
    pub cpu: CpuUse,
    answers: Vec<Answer>,
}

/// Sends `POST /api/v1/activities/{activity_id}/signups` as every member, over
/// `connections` keep-alive connections spread in turn over the servers at
/// `addrs`, all at once. CPU of the server processes `pids` counts as server time.
pub async fn run(
    addrs: &[SocketAddr],
    pids: &[u32],
    activity_id: &ActivityId,
    members: &[Member],
    connections: usize,
) -> anyhow::Result<Outcome> {
    let path = format!("/api/v1/activities/{activity_id}/signups");
    let calls: Arc<[Call]> = members
        .iter()
        .map(|m| Call::post_json(&path, &serde_json::json!({}), Some(&m.access_token)))
        .collect::<anyhow::Result<Vec<_>>>()?
        .into();
    let mut senders = Vec::with_capacity(connections);
    for i in 0..connections.min(calls.len()) {
        let addr = addrs[i % addrs.len()];
        let host = HeaderValue::from_str(&addr.to_string())?;
        senders.push((addr, host, load::connect(addr).await?));
    }
    let next = Arc::new(AtomicUsize::new(0));

    let before = sys::snapshot_with(pids);
    let start = Instant::now();
    let deadline = start + RACE_TIMEOUT;
    let workers: Vec<_> = senders
        .into_iter()
        .map(|(addr, host, sender)| {
            let (calls, next) = (calls.clone(), next.clone());
            tokio::spawn(worker(addr, sender, calls, next, host, start, deadline))
        })
        .collect();

    let mut tally = Tally::new();
    let mut since_start = micros_histogram();
    let mut answers: Vec<Answer> = calls.iter().map(|_| Answer::Unsent).collect();
    let mut last = start;
    for handle in workers {
        let done = handle.await?;
        tally.merge(&done.tally);
        since_start.add(&done.since_start)?;
        last = last.max(done.last);
        for (i, answer) in done.answers {
            answers[i] = answer;
        }
    }
    let wall = last - start;
    let cpu = sys::between(&before, &sys::snapshot_with(pids));
    tally.errors += answers
        .iter()
        .filter(|a| matches!(a, Answer::Unsent))
        .count() as u64;
    Ok(Outcome {
        tally,
        since_start,
        wall,
        cpu,
        answers,
    })
}

fn micros_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("constant histogram bounds are valid")
}

struct Done {
    tally: Tally,
    since_start: Histogram<u64>,
    last: Instant,
    answers: Vec<(usize, Answer)>,
}

/// One connection: takes the next sign-up from the shared queue until none is left.
async fn worker(
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
    calls: Arc<[Call]>,
    next: Arc<AtomicUsize>,
    host: HeaderValue,
    start: Instant,
    deadline: Instant,
) -> Done {
    let mut done = Done {
        tally: Tally::new(),
        since_start: micros_histogram(),
        last: start,
        answers: Vec::new(),
    };
    let mut sender = Some(sender);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(call) = calls.get(i) else { break };
        let conn = match sender.as_mut() {
            Some(conn) => conn,
            None => match timeout_at(deadline, load::connect(addr)).await {
                Ok(Ok(conn)) => sender.insert(conn),
                Ok(Err(e)) => {
                    done.tally.errors += 1;
                    done.answers
                        .push((i, Answer::Broken(format!("cannot reconnect: {e}"))));
                    continue;
                }
                Err(_) => {
                    done.tally.errors += 1;
                    done.answers
                        .push((i, Answer::Broken("race time limit reached".into())));
                    continue;
                }
            },
        };
        let sent = Instant::now();
        let outcome = timeout_at(deadline, exchange(conn, call.request(&host))).await;
        let answered = Instant::now();
        done.last = done.last.max(answered);
        let answer = match outcome {
            Err(_) => {
                sender = None;
                done.tally.errors += 1;
                Answer::Broken("no answer within the race time limit".into())
            }
            Ok(Err(e)) => {
                sender = None;
                done.tally.errors += 1;
                Answer::Broken(e.to_string())
            }
            Ok(Ok((status, body))) if status.is_success() => {
                match serde_json::from_slice::<SignupResult>(&body) {
                    Ok(result) => {
                        done.tally.ok += 1;
                        done.tally
                            .latency
                            .saturating_record(micros(answered - sent));
                        done.since_start.saturating_record(micros(answered - start));
                        Answer::Signed(result)
                    }
                    Err(e) => {
                        done.tally.non_2xx += 1;
                        Answer::Refused(status, format!("undecodable answer: {e}"))
                    }
                }
            }
            Ok(Ok((status, body))) => {
                done.tally.non_2xx += 1;
                let text = String::from_utf8_lossy(&body);
                Answer::Refused(status, text.chars().take(200).collect())
            }
        };
        done.answers.push((i, answer));
    }
    done
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(MAX_MICROS).max(1)
}

/// Sends `req` and reads the whole answer.
async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    req: hyper::Request<Full<Bytes>>,
) -> anyhow::Result<(StatusCode, Bytes)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// The sign-ups as stored, read back after the race.
pub struct Stored {
    /// (user id, status, seq) of every sign-up of the activity.
    rows: Vec<(MemberId, String, i64)>,
    /// Sign-ups per write transaction (every sign-up of one batch carries the
    /// batch's timestamp), in commit order.
    batches: Vec<usize>,
}

/// Reads the activity's sign-ups from the database.
pub async fn stored(state: &Arc<AppState>, activity_id: &ActivityId) -> anyhow::Result<Stored> {
    let id = *activity_id;
    let rows: Vec<(MemberId, String, i64, chrono::NaiveDateTime)> = state
        .db
        .run(move |conn| {
            Ok(signups::table
                .filter(signups::activity_id.eq(id))
                .select((
                    signups::user_id,
                    signups::status,
                    signups::seq,
                    signups::created_at,
                ))
                .load(conn)?)
        })
        .await?;
    let mut per_batch: BTreeMap<chrono::NaiveDateTime, usize> = BTreeMap::new();
    for (_, _, _, at) in &rows {
        *per_batch.entry(*at).or_default() += 1;
    }
    Ok(Stored {
        rows: rows.into_iter().map(|(u, s, q, _)| (u, s, q)).collect(),
        batches: per_batch.into_values().collect(),
    })
}

/// The verdict on one race: whether every rule held, and a line saying so.
pub struct Verdict {
    pub passed: bool,
    pub report: String,
}

/// Checks the answers and the stored rows: exactly `capacity` registered
/// (or every member, if fewer), waitlist positions 1..=rest each exactly once,
/// every answer 2xx and about its own member, the database agreeing with the
/// answers, and positions following the order sign-ups took (`seq`).
pub fn verify(
    outcome: &Outcome,
    members: &[Member],
    activity_id: &ActivityId,
    capacity: usize,
    stored: &Stored,
) -> Verdict {
    let n = members.len();
    let want_registered = capacity.min(n);
    let want_waiting = n - want_registered;
    let mut problems: Vec<String> = Vec::new();
    let mut registered = 0usize;
    let mut positions: Vec<i64> = Vec::new();
    let mut answered_position: HashMap<MemberId, Option<i32>> = HashMap::new();
    let (mut refused, mut broken) = (Vec::new(), Vec::new());
    for (answer, member) in outcome.answers.iter().zip(members) {
        match answer {
            Answer::Signed(r) => {
                if r.member_id != member.id || r.activity_id != *activity_id {
                    problems.push(format!(
                        "an answer to {} was about member {} / activity {}",
                        member.id, r.member_id, r.activity_id
                    ));
                }
                match (r.status, r.position) {
                    (SignupStatus::Registered, None) => registered += 1,
                    (SignupStatus::Waitlisted, Some(p)) => positions.push(i64::from(p)),
                    (s, p) => problems.push(format!("answer with status {s:?}, position {p:?}")),
                }
                answered_position.insert(member.id, r.position);
            }
            Answer::Refused(status, body) => refused.push(format!("{status}: {body}")),
            Answer::Broken(e) => broken.push(e.clone()),
            Answer::Unsent => broken.push("never sent".into()),
        }
    }
    if !refused.is_empty() {
        problems.push(format!(
            "{} non-2xx answers, e.g. {}",
            refused.len(),
            refused[0]
        ));
    }
    if !broken.is_empty() {
        problems.push(format!("{} unanswered, e.g. {}", broken.len(), broken[0]));
    }
    if registered != want_registered {
        problems.push(format!(
            "{registered} answered registered, expected {want_registered}"
        ));
    }
    positions.sort_unstable();
    let expected: Vec<i64> = (1..=i64::try_from(want_waiting).unwrap_or(i64::MAX)).collect();
    if positions != expected {
        let seen: HashSet<i64> = positions.iter().copied().collect();
        let missing = expected.iter().filter(|p| !seen.contains(p)).count();
        let duplicates = positions.windows(2).filter(|w| w[0] == w[1]).count();
        problems.push(format!(
            "waitlist positions: {} answered, {missing} of 1..={want_waiting} missing, \
             {duplicates} duplicated, range {:?}..{:?}",
            positions.len(),
            positions.first(),
            positions.last()
        ));
    }

    // The database must agree: the first `capacity` to take the activity's
    // lock hold the places, and position = seq − capacity for the rest.
    let db_registered = stored
        .rows
        .iter()
        .filter(|r| r.1 == SignupStatus::Registered.as_str())
        .count();
    let db_waiting = stored
        .rows
        .iter()
        .filter(|r| r.1 == SignupStatus::Waitlisted.as_str())
        .count();
    if db_registered != want_registered || db_waiting != want_waiting {
        problems.push(format!(
            "database: {db_registered} registered and {db_waiting} waitlisted"
        ));
    }
    let mut seqs: Vec<i64> = stored.rows.iter().map(|r| r.2).collect();
    seqs.sort_unstable();
    if seqs != (1..=i64::try_from(stored.rows.len()).unwrap_or(0)).collect::<Vec<_>>() {
        problems.push("database: seq is not 1..=n without gaps".into());
    }
    let cap = i64::try_from(want_registered).unwrap_or(0);
    let out_of_order = stored
        .rows
        .iter()
        .filter(|(user, status, seq)| {
            let want = if status == SignupStatus::Registered.as_str() {
                *seq <= cap
            } else {
                *seq > cap && answered_position.get(user) == Some(&i32::try_from(*seq - cap).ok())
            };
            !want
        })
        .count();
    if out_of_order > 0 {
        problems.push(format!(
            "{out_of_order} stored sign-ups disagree with their answer or their place in line"
        ));
    }

    let largest = stored.batches.iter().max().copied().unwrap_or(0);
    let mut report = String::new();
    let _ = write!(
        report,
        "{n} sign-ups in {:.0} ms ({:.0}/s) over {} transactions (largest {largest}); \
         {registered} registered, {} waitlisted (positions {}); \
         {} non-2xx, {} unanswered; answered p50 {:.0} ms / p99 {:.0} ms after the start",
        outcome.wall.as_secs_f64() * 1000.0,
        n as f64 / outcome.wall.as_secs_f64().max(1e-9),
        stored.batches.len(),
        positions.len(),
        match (positions.first(), positions.last()) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "none".into(),
        },
        outcome.tally.non_2xx,
        outcome.tally.errors,
        outcome.since_start.value_at_quantile(0.5) as f64 / 1000.0,
        outcome.since_start.value_at_quantile(0.99) as f64 / 1000.0,
    );
    if problems.is_empty() {
        report.push_str(" — exact");
    } else {
        let _ = write!(report, " — FAILED: {}", problems.join("; "));
    }
    Verdict {
        passed: problems.is_empty(),
        report,
    }
}
