//! A server process killed with SIGKILL in the middle of work, then
//! restarted on the same database.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lvzhi_shared::notifications::{Announcement, AnnouncementCreated};
use lvzhi_tests::Backend;
use lvzhi_tests::child::ChildServer;
use lvzhi_tests::fake_fcm::FakeFcm;
use lvzhi_tests::json_ok;
use serde_json::json;

use crate::support::{self, Answer};

lvzhi_tests::on_both_backends!(
    a_sigkill_mid_sign_up_burst_keeps_every_answer,
    a_sigkill_mid_fan_out_still_reaches_every_phone,
);

/// 300 concurrent sign-ups for 20 places; SIGKILL once some have been
/// answered. After a restart: every 2xx answer is stored as answered, at most
/// the capacity registered, nobody twice, the waitlist gap-free; the
/// unanswered retry with their idempotency keys and all end up on the roster.
async fn a_sigkill_mid_sign_up_burst_keeps_every_answer(b: Backend) {
    const MEMBERS: usize = 300;
    const CAPACITY: usize = 20;
    let store = crate::store(b).await;
    let url = store.database_url().expect("database url");
    // Small batches: many commits, so the kill lands between some of them.
    let mut server = ChildServer::start(&url, &[("LVZHI_SIGNUPS__MAX_BATCH", "4")])
        .await
        .expect("server");
    let admin = server.admin.clone().expect("first start");
    let http = support::client();
    let origin = server.origin.clone();
    let office = support::login(&http, &origin, &admin.phone, &admin.password).await;
    let activity = support::published_activity(&http, &origin, &office, CAPACITY as i32).await;
    let members = support::seed_members(&url, "139020", MEMBERS, false).await;

    let answered = Arc::new(AtomicUsize::new(0));
    let burst: Vec<_> = members
        .iter()
        .map(|m| {
            let (http, origin, activity, m) = (http.clone(), origin.clone(), activity, m.clone());
            let answered = answered.clone();
            tokio::spawn(async move {
                let a = support::sign_up(&http, &origin, &activity, &m).await;
                if matches!(a, Answer::Accepted(_)) {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                (m.id, a)
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while answered.load(Ordering::SeqCst) < 30 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill();
    let mut answers = Vec::with_capacity(MEMBERS);
    for task in burst {
        answers.push(task.await.expect("sign-up task"));
    }
    for (_, a) in &answers {
        assert!(
            !matches!(a, Answer::Refused(..)),
            "before the kill nothing is refused: {a:?}"
        );
    }
    let lost = support::unanswered(&answers);
    assert!(
        !lost.is_empty() && lost.len() < MEMBERS,
        "the kill must land mid-burst ({} of {MEMBERS} unanswered)",
        lost.len()
    );

    server.restart().await.expect("restart");
    let office = support::login(&http, &origin, &admin.phone, &admin.password).await;
    let stored = support::check_roster(
        &support::roster(&http, &origin, &office, &activity).await,
        CAPACITY,
    );
    let accepted = support::check_accepted_are_stored(&answers, &stored);
    assert_eq!(accepted, MEMBERS - lost.len());

    // The unanswered try again with the same key: whether or not their first
    // try was stored, each ends up on the roster exactly once.
    answers.retain(|(_, a)| matches!(a, Answer::Accepted(_)));
    for m in members.iter().filter(|m| lost.contains(&m.id)) {
        let a = support::sign_up(&http, &origin, &activity, m).await;
        assert!(
            matches!(a, Answer::Accepted(_)),
            "a retry after the restart: {a:?}"
        );
        answers.push((m.id, a));
    }
    let stored = support::check_roster(
        &support::roster(&http, &origin, &office, &activity).await,
        CAPACITY,
    );
    assert_eq!(
        support::check_accepted_are_stored(&answers, &stored),
        MEMBERS
    );
    assert_eq!(stored.len(), MEMBERS);
}

/// An announcement to 300 members with a phone each; SIGKILL while FCM holds
/// the first pushes. After a restart every phone gets it (at least once),
/// nothing stays queued and nothing is marked failed.
async fn a_sigkill_mid_fan_out_still_reaches_every_phone(b: Backend) {
    const MEMBERS: usize = 300;
    let store = crate::store(b).await;
    let url = store.database_url().expect("database url");
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let credentials = fake.write_service_account(dir.path());
    let credentials = credentials.to_string_lossy().into_owned();
    let base = fake.base_url();
    // A short lease, so the dead process's claims free up within seconds.
    let mut server = ChildServer::start(
        &url,
        &[
            ("LVZHI_PUSH__CREDENTIALS_FILE", &credentials),
            ("LVZHI_PUSH__FCM_BASE_URL", &base),
            ("LVZHI_PUSH__POLL_MILLIS", "50"),
            ("LVZHI_PUSH__LEASE_SECONDS", "3"),
            ("LVZHI_PUSH__BATCH_SIZE", "50"),
            ("LVZHI_PUSH__MAX_IN_FLIGHT", "16"),
            ("LVZHI_PUSH__RETRY_BASE_SECONDS", "1"),
        ],
    )
    .await
    .expect("server");
    let admin = server.admin.clone().expect("first start");
    let http = support::client();
    let origin = server.origin.clone();
    let office = support::login(&http, &origin, &admin.phone, &admin.password).await;
    let members = support::seed_members(&url, "139030", MEMBERS, true).await;
    let phones: BTreeSet<String> = members.iter().filter_map(|m| m.device.clone()).collect();

    fake.hold();
    let resp = http
        .post(format!("{origin}/api/v1/announcements"))
        .bearer_auth(&office)
        .json(&json!({"title": "全体委员会议", "body": "请准时参加。", "audience": {"kind": "committee"}}))
        .send()
        .await
        .expect("announce");
    let sent: AnnouncementCreated = json_ok(resp).await;
    assert!(sent.recipients >= MEMBERS as i64, "{}", sent.recipients);
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.held_requests() < 16 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(fake.held_requests() > 0, "the fan-out never started");
    server.kill();
    // Held requests the dead server had sent in full may still count as
    // delivered now: at least once, not exactly once.
    fake.release();

    server.restart().await.expect("restart");
    let office = support::login(&http, &origin, &admin.phone, &admin.password).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let delivery = loop {
        let resp = http
            .get(format!("{origin}/api/v1/announcements/{}", sent.id))
            .bearer_auth(&office)
            .send()
            .await
            .expect("announcement");
        let a: Announcement = json_ok(resp).await;
        if (a.delivery.queued == 0 && a.delivery.sent + a.delivery.failed >= MEMBERS as i64)
            || Instant::now() > deadline
        {
            break a.delivery;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Every send the server recorded as made was accepted by FCM first.
    let reached: BTreeSet<String> = fake.received().into_iter().map(|r| r.token).collect();
    assert_eq!(
        reached.len(),
        MEMBERS,
        "every phone got it; delivery {delivery:?}"
    );
    assert_eq!(reached, phones);
    assert_eq!(delivery.queued, 0, "{delivery:?}");
    assert_eq!(delivery.failed, 0, "{delivery:?}");
    assert_eq!(delivery.sent, MEMBERS as i64, "{delivery:?}");
}
