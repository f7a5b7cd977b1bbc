//! PostgreSQL goes away under a running server and comes back.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use lvzhi_server::db::schema::activities;
use lvzhi_tests::child::ChildServer;
use serde_json::json;

use crate::support::{self, Answer};

/// The pool waits 5 s for a connection, and a request may ask it twice
/// (read, then write) before it gives up.
const ANSWER_WITHIN: Duration = Duration::from_secs(12);

/// While the database is down every request that needs it answers 503
/// `service_unavailable` within the pool's wait (never 500, never a hang), and
/// `/readyz` says not ready; once it is back the same process serves again,
/// and the data is whole: every accepted sign-up stored, retries with the
/// same idempotency key settle the rest, no activity half-made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_answers_503_and_the_server_recovers_by_itself() {
    let Some(mut pg) = crate::private_postgres() else {
        return;
    };
    let server = ChildServer::start(&pg.url(), &[("LVZHI_DB_POOL_SIZE", "4")])
        .await
        .expect("server on the private PostgreSQL");
    let admin = server.admin.clone().expect("first start");
    let http = support::client();
    let origin = server.origin.as_str();
    let office = support::login(&http, origin, &admin.phone, &admin.password).await;
    let capacity = 10;
    let activity = support::published_activity(&http, origin, &office, capacity).await;
    let members = support::seed_members(&pg.url(), "139010", 60, false).await;
    let mut answers = Vec::new();
    for m in &members[..20] {
        let a = support::sign_up(&http, origin, &activity, m).await;
        assert!(matches!(a, Answer::Accepted(_)), "{a:?}");
        answers.push((m.id, a));
    }

    // A burst in the air while the database stops.
    let burst: Vec<_> = members[20..40]
        .iter()
        .map(|m| {
            let (http, origin, activity, m) =
                (http.clone(), origin.to_owned(), activity, m.clone());
            tokio::spawn(async move {
                let a = support::sign_up(&http, &origin, &activity, &m).await;
                (m.id, a)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(5)).await;
    pg.stop_immediately().expect("stop PostgreSQL");
    let started = Instant::now();
    for task in burst {
        let (id, a) = task.await.expect("burst task");
        match &a {
            Answer::Accepted(_) => {}
            Answer::Refused(status, body) => support::assert_unavailable(*status, body),
            Answer::Lost(e) => panic!("a request got no answer while the database stopped: {e}"),
        }
        answers.push((id, a));
    }
    assert!(
        started.elapsed() < ANSWER_WITHIN,
        "the burst took {:?}",
        started.elapsed()
    );

    // While it is down: reads, writes and readiness all say 503, promptly.
    let started = Instant::now();
    let down = [
        http.get(format!("{origin}/readyz")).send(),
        http.get(format!("{origin}/api/v1/activities/{activity}"))
            .bearer_auth(&office)
            .send(),
        http.post(format!("{origin}/api/v1/activities"))
            .bearer_auth(&office)
            .json(&json!({
                "kind": "outreach", "title": "停库期间的活动", "capacity": 5,
                "starts_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
                "ends_at": (chrono::Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(1)).to_rfc3339(),
            }))
            .send(),
    ];
    let answers_down = futures::future::join_all(down).await;
    assert!(
        started.elapsed() < ANSWER_WITHIN,
        "answers while down took {:?}",
        started.elapsed()
    );
    for resp in answers_down {
        let resp = resp.expect("an answer while the database is down");
        let retry_after = resp.headers().get("retry-after").cloned();
        let status = resp.status().as_u16();
        let body = resp.text().await.expect("body");
        support::assert_unavailable(status, &body);
        assert!(retry_after.is_some(), "a 503 says when to retry: {body}");
    }
    let started = Instant::now();
    match support::sign_up(&http, origin, &activity, &members[40]).await {
        Answer::Refused(status, body) => support::assert_unavailable(status, &body),
        other => panic!("a sign-up while the database is down: {other:?}"),
    }
    assert!(
        started.elapsed() < ANSWER_WITHIN,
        "a sign-up while down took {:?}",
        started.elapsed()
    );

    // Back: the same process becomes ready without a restart.
    let pid = server.pid();
    pg.start_again().expect("start PostgreSQL again");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = http.get(format!("{origin}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready 20 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(server.pid(), pid, "recovered without a restart");

    // Retries (same idempotency keys) of every unanswered sign-up, then the rest.
    let retry = support::unanswered(&answers);
    answers.retain(|(_, a)| matches!(a, Answer::Accepted(_)));
    for m in members
        .iter()
        .filter(|m| retry.contains(&m.id))
        .chain(&members[40..])
    {
        let a = support::sign_up(&http, origin, &activity, m).await;
        assert!(matches!(a, Answer::Accepted(_)), "after recovery: {a:?}");
        answers.push((m.id, a));
    }
    let roster = support::roster(&http, origin, &office, &activity).await;
    let stored = support::check_roster(&roster, capacity as usize);
    assert_eq!(support::check_accepted_are_stored(&answers, &stored), 60);
    assert_eq!(stored.len(), 60, "each member once, nobody extra");

    // The activity made during the outage was not half-made.
    let url = pg.url();
    let count: i64 = tokio::task::spawn_blocking(move || {
        let mut conn = diesel::pg::PgConnection::establish(&url).expect("connect");
        activities::table
            .count()
            .get_result(&mut conn)
            .expect("count")
    })
    .await
    .expect("count task");
    assert_eq!(count, 1, "only the activity made before the outage exists");
}
