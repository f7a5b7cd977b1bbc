//! The sign-up engine through the API: every refusal with its code, the
//! waitlist and promotion, idempotent retries, organizer overrides, capacity
//! changes, and exactness under a concurrent rush.

use std::collections::BTreeSet;

use diesel::prelude::*;
use lvzhi_shared::activities::{ActivityChange, SignupResult, SignupStatus};
use lvzhi_shared::ids::{MemberId, RoleSlotId, SessionId};
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    each_refusal_has_its_own_code,
    waitlist_promotes_first_come_on_cancellation,
    retries_with_an_idempotency_key_act_once,
    role_slots_respect_sectors_and_capacity,
    office_overrides_and_capacity_changes,
    schedule_and_place_changes_reach_everyone_signed_up,
    a_rush_of_sign_ups_fills_exactly_the_capacity,
    one_batch_judges_each_request_in_arrival_order,
    two_servers_on_one_database_never_overbook,
    old_idempotency_keys_are_swept,
);

/// Outbox messages of one kind queued for a member.
async fn outbox_count(app: &TestApp, user_id: &MemberId, kind: &str) -> i64 {
    let (user_id, kind) = (*user_id, kind.to_owned());
    app.state
        .db
        .run(move |conn| {
            use lvzhi_server::db::schema::outbox::dsl;
            Ok(dsl::outbox
                .filter(dsl::user_id.eq(user_id))
                .filter(dsl::kind.eq(kind))
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .expect("outbox count")
}

async fn each_refusal_has_its_own_code(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let m = app.member_in("13900020001", Some("科技界")).await;
    let t = &m.access_token;

    // A draft is not open.
    let draft = app
        .create_activity(&office, json!({"kind": "training", "title": "草稿", "capacity": 5,
            "starts_at": (app.clock.now_utc() + chrono::Duration::days(2)).to_rfc3339(),
            "ends_at": (app.clock.now_utc() + chrono::Duration::days(2) + chrono::Duration::hours(2)).to_rfc3339()}))
        .await;
    expect_error(
        app.sign_up(t, &draft.id, None).await,
        409,
        "activity_not_open",
    )
    .await;

    // Before the window opens, then after it closes.
    let opens = app.clock.now_utc() + chrono::Duration::hours(1);
    let closes = app.clock.now_utc() + chrono::Duration::hours(5);
    let windowed = app
        .published_activity(
            &office,
            json!({"signup_opens_at": opens.to_rfc3339(), "signup_closes_at": closes.to_rfc3339()}),
            24,
        )
        .await;
    expect_error(
        app.sign_up(t, &windowed.id, None).await,
        409,
        "signup_not_open",
    )
    .await;
    app.clock.advance(chrono::Duration::hours(6));
    expect_error(
        app.sign_up(t, &windowed.id, None).await,
        409,
        "signup_closed",
    )
    .await;

    // Twice.
    let open = app
        .published_activity(&office, json!({"capacity": 3}), 48)
        .await;
    json_ok::<SignupResult>(app.sign_up(t, &open.id, None).await).await;
    expect_error(
        app.sign_up(t, &open.id, None).await,
        409,
        "already_signed_up",
    )
    .await;

    // Outside the audience, and a role for another sector.
    let for_doctors = app
        .published_activity(
            &office,
            json!({"audience": "sectors", "audience_sectors": ["医药卫生界"]}),
            72,
        )
        .await;
    expect_error(
        app.sign_up(t, &for_doctors.id, None).await,
        403,
        "not_in_audience",
    )
    .await;
    let roles = app
        .published_activity(
            &office,
            json!({"kind": "outreach", "theme": "health", "capacity": 5, "roles": [
                {"name": "医生", "capacity": 2, "sector": "医药卫生界"},
                {"name": "演员", "capacity": 3}
            ]}),
            96,
        )
        .await;
    expect_error(
        app.sign_up(t, &roles.id, Some(roles.roles[0].id)).await,
        403,
        "role_sector_mismatch",
    )
    .await;
    let body = expect_error(app.sign_up(t, &roles.id, None).await, 422, "field_required").await;
    assert_eq!(body.field.as_deref(), Some("role_id"));
    expect_error(
        app.sign_up(t, &roles.id, Some(RoleSlotId::new_v7())).await,
        422,
        "unknown_role",
    )
    .await;

    // Overlapping another registration when the organizer forbids it.
    let clash = app
        .published_activity(&office, json!({"forbid_overlap": true}), 48)
        .await;
    expect_error(
        app.sign_up(t, &clash.id, None).await,
        409,
        "schedule_conflict",
    )
    .await;

    // A cancelled activity, malformed and unknown ids, and withdrawing from nothing.
    let cancelled = app.published_activity(&office, json!({}), 120).await;
    let r = app
        .api(
            Method::POST,
            &format!("/activities/{}/cancel", cancelled.id),
        )
        .bearer_auth(&office)
        .json(&json!({"reason": "天气原因"}))
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status(), 200);
    expect_error(
        app.sign_up(t, &cancelled.id, None).await,
        409,
        "activity_not_open",
    )
    .await;
    expect_error(
        app.sign_up(t, "not-an-id", None).await,
        400,
        "invalid_parameter",
    )
    .await;
    expect_error(
        app.sign_up(t, &uuid::Uuid::now_v7().to_string(), None)
            .await,
        404,
        "not_found",
    )
    .await;
    let r = app
        .api(
            Method::DELETE,
            &format!("/activities/{}/signups/me", roles.id),
        )
        .bearer_auth(t)
        .send()
        .await
        .expect("withdraw");
    expect_error(r, 409, "not_signed_up").await;

    // None of the refusals left a sign-up behind.
    let mine: lvzhi_shared::activities::MyActivityList = json_ok(
        app.api(Method::GET, "/me/activities")
            .bearer_auth(t)
            .send()
            .await
            .expect("mine"),
    )
    .await;
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].activity.id, open.id);
}

async fn waitlist_promotes_first_come_on_cancellation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 2}), 24)
        .await;
    let members = app.members("13900021", 5).await;
    let mut results = Vec::new();
    for m in &members[..4] {
        results
            .push(json_ok::<SignupResult>(app.sign_up(&m.access_token, &a.id, None).await).await);
    }
    let statuses: Vec<(SignupStatus, Option<i32>)> =
        results.iter().map(|r| (r.status, r.position)).collect();
    assert_eq!(
        statuses,
        vec![
            (SignupStatus::Registered, None),
            (SignupStatus::Registered, None),
            (SignupStatus::Waitlisted, Some(1)),
            (SignupStatus::Waitlisted, Some(2)),
        ]
    );
    // The second registered member withdraws: the first in line moves up, the next becomes first.
    let r: SignupResult = json_ok(
        app.api(Method::DELETE, &format!("/activities/{}/signups/me", a.id))
            .bearer_auth(&members[1].access_token)
            .send()
            .await
            .expect("withdraw"),
    )
    .await;
    assert_eq!(r.status, SignupStatus::Cancelled);
    assert_eq!(r.promoted, vec![members[2].user.id]);
    assert_eq!(
        outbox_count(&app, &members[2].user.id, "promoted").await,
        1,
        "the promoted member is told"
    );
    let detail: lvzhi_shared::activities::Activity = json_ok(
        app.api(Method::GET, &format!("/activities/{}", a.id))
            .bearer_auth(&members[3].access_token)
            .send()
            .await
            .expect("get"),
    )
    .await;
    let mine = detail.my_signup.expect("signed up");
    assert_eq!(
        (mine.status, mine.position),
        (SignupStatus::Waitlisted, Some(1))
    );
    assert_eq!((detail.registered, detail.waitlisted), (2, 1));

    // Signing up again after withdrawing goes to the end of the line.
    let again: SignupResult =
        json_ok(app.sign_up(&members[1].access_token, &a.id, None).await).await;
    assert_eq!(
        (again.status, again.position),
        (SignupStatus::Waitlisted, Some(2))
    );
    // Withdrawing from the waitlist promotes nobody.
    let r: SignupResult = json_ok(
        app.api(Method::DELETE, &format!("/activities/{}/signups/me", a.id))
            .bearer_auth(&members[3].access_token)
            .send()
            .await
            .expect("withdraw"),
    )
    .await;
    assert!(r.promoted.is_empty());
    // With an empty waitlist a cancellation simply frees the place.
    let solo = app
        .published_activity(&office, json!({"capacity": 1}), 30)
        .await;
    json_ok::<SignupResult>(app.sign_up(&members[4].access_token, &solo.id, None).await).await;
    let r: SignupResult = json_ok(
        app.api(
            Method::DELETE,
            &format!("/activities/{}/signups/me", solo.id),
        )
        .bearer_auth(&members[4].access_token)
        .send()
        .await
        .expect("withdraw"),
    )
    .await;
    assert!(r.promoted.is_empty());
}

async fn retries_with_an_idempotency_key_act_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(
            &office,
            json!({"capacity": 1, "roles": [
                {"name": "A", "capacity": 1}, {"name": "B", "capacity": 1}
            ]}),
            24,
        )
        .await;
    let m = app.member_in("13900022001", None).await;
    let send = |role: &RoleSlotId, key: &str| {
        app.api(Method::POST, &format!("/activities/{}/signups", a.id))
            .bearer_auth(&m.access_token)
            .header("Idempotency-Key", key)
            .json(&json!({"role_id": role}))
            .send()
    };
    let first: SignupResult = json_ok(send(&a.roles[0].id, "tap-1").await.expect("send")).await;
    let retry: SignupResult = json_ok(send(&a.roles[0].id, "tap-1").await.expect("send")).await;
    assert_eq!(first, retry, "the retry gets the first answer");
    expect_error(
        send(&a.roles[1].id, "tap-1").await.expect("send"),
        409,
        "idempotency_key_reused",
    )
    .await;
    // A new key is a new request: already signed up.
    expect_error(
        send(&a.roles[0].id, "tap-2").await.expect("send"),
        409,
        "already_signed_up",
    )
    .await;
    let withdraw = || {
        app.api(Method::DELETE, &format!("/activities/{}/signups/me", a.id))
            .bearer_auth(&m.access_token)
            .header("Idempotency-Key", "withdraw-1")
            .send()
    };
    let w1: SignupResult = json_ok(withdraw().await.expect("send")).await;
    let w2: SignupResult = json_ok(withdraw().await.expect("send")).await;
    assert_eq!(w1, w2);
    let bad_key = app
        .api(Method::POST, &format!("/activities/{}/signups", a.id))
        .bearer_auth(&m.access_token)
        .header("Idempotency-Key", "x".repeat(200))
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    expect_error(bad_key, 400, "invalid_parameter").await;
    // Concurrent copies of one request: one sign-up.
    let other = app
        .published_activity(&office, json!({"capacity": 5}), 48)
        .await;
    let copies = (0..6).map(|_| {
        app.api(Method::POST, &format!("/activities/{}/signups", other.id))
            .bearer_auth(&m.access_token)
            .header("Idempotency-Key", "rush-1")
            .json(&json!({}))
            .send()
    });
    let answers = futures::future::join_all(copies).await;
    for r in answers {
        assert_eq!(r.expect("send").status(), 200);
    }
    let roster = app.roster(&office, other.id).await;
    assert_eq!(roster.items.len(), 1);
}

async fn role_slots_respect_sectors_and_capacity(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(
            &office,
            json!({"kind": "outreach", "theme": "health", "capacity": 3, "roles": [
                {"name": "医生", "capacity": 1, "sector": "医药卫生界"},
                {"name": "演员", "capacity": 3}
            ]}),
            24,
        )
        .await;
    let (doctor_role, performer_role) = (a.roles[0].id, a.roles[1].id);
    let d1 = app.member_in("13900023001", Some("医药卫生界")).await;
    let d2 = app.member_in("13900023002", Some("医药卫生界")).await;
    let performers = app.members("13900024", 3).await;
    let r: SignupResult = json_ok(
        app.sign_up(&d1.access_token, &a.id, Some(doctor_role))
            .await,
    )
    .await;
    assert_eq!(r.status, SignupStatus::Registered);
    let r: SignupResult = json_ok(
        app.sign_up(&d2.access_token, &a.id, Some(doctor_role))
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.position),
        (SignupStatus::Waitlisted, Some(1)),
        "the doctor slot is full"
    );
    // Performers fill the rest of the total (3): two get places, the third waits for the total.
    let mut statuses = Vec::new();
    for p in &performers {
        let r: SignupResult = json_ok(
            app.sign_up(&p.access_token, &a.id, Some(performer_role))
                .await,
        )
        .await;
        statuses.push((r.status, r.position));
    }
    assert_eq!(
        statuses,
        vec![
            (SignupStatus::Registered, None),
            (SignupStatus::Registered, None),
            (SignupStatus::Waitlisted, Some(1))
        ]
    );
    // The doctor withdraws: the freed place goes first-come to whoever can take it — the waiting doctor (earlier).
    let r: SignupResult = json_ok(
        app.api(Method::DELETE, &format!("/activities/{}/signups/me", a.id))
            .bearer_auth(&d1.access_token)
            .send()
            .await
            .expect("withdraw"),
    )
    .await;
    assert_eq!(r.promoted, vec![d2.user.id]);
}

async fn office_overrides_and_capacity_changes(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 2}), 24)
        .await;
    let ms = app.members("13900025", 5).await;
    for m in &ms[..3] {
        app.sign_up(&m.access_token, &a.id, None).await;
    }
    // Over capacity by the office's choice.
    let r: SignupResult = json_ok(
        app.api(Method::POST, &format!("/activities/{}/roster", a.id))
            .bearer_auth(&office)
            .json(&json!({"member_id": ms[3].user.id, "over_capacity": true}))
            .send()
            .await
            .expect("add"),
    )
    .await;
    assert_eq!(r.status, SignupStatus::Registered);
    // Added without the override: waitlisted behind the one already waiting.
    let r: SignupResult = json_ok(
        app.api(Method::POST, &format!("/activities/{}/roster", a.id))
            .bearer_auth(&office)
            .json(&json!({"member_id": ms[4].user.id}))
            .send()
            .await
            .expect("add"),
    )
    .await;
    assert_eq!((r.status, r.position), (SignupStatus::Waitlisted, Some(2)));
    // Promote the second in line directly.
    let r: SignupResult = json_ok(
        app.api(
            Method::POST,
            &format!("/activities/{}/roster/{}/promote", a.id, ms[4].user.id),
        )
        .bearer_auth(&office)
        .send()
        .await
        .expect("promote"),
    )
    .await;
    assert_eq!(r.status, SignupStatus::Registered);
    // Now 4 registered on 2 places. Lowering further is refused unless told to waitlist.
    let lower = |cap: i32, overflow: Option<&str>| {
        app.api(Method::PATCH, &format!("/activities/{}", a.id))
            .bearer_auth(&office)
            .json(&json!({"capacity": cap, "on_overflow": overflow}))
            .send()
    };
    expect_error(
        lower(1, None).await.expect("patch"),
        409,
        "capacity_below_registered",
    )
    .await;
    let change: ActivityChange = json_ok(lower(1, Some("waitlist")).await.expect("patch")).await;
    let moved: BTreeSet<MemberId> = change.moved_to_waitlist.iter().copied().collect();
    let newest = BTreeSet::from([ms[1].user.id, ms[3].user.id, ms[4].user.id]);
    assert_eq!(
        moved, newest,
        "the three most recent registrations move back"
    );
    assert_eq!(
        (change.activity.registered, change.activity.waitlisted),
        (1, 4)
    );
    // Raising it promotes first-come.
    let change: ActivityChange = json_ok(lower(3, None).await.expect("patch")).await;
    assert_eq!(change.promoted.len(), 2);
    assert_eq!(
        (change.activity.registered, change.activity.waitlisted),
        (3, 2)
    );
    // Removing a registered member promotes the next in line.
    let r: SignupResult = json_ok(
        app.api(
            Method::DELETE,
            &format!("/activities/{}/roster/{}", a.id, ms[0].user.id),
        )
        .bearer_auth(&office)
        .send()
        .await
        .expect("remove"),
    )
    .await;
    assert_eq!(r.status, SignupStatus::Removed);
    assert_eq!(r.promoted.len(), 1);
    let roster = app.roster(&office, a.id).await;
    let registered = roster
        .items
        .iter()
        .filter(|e| e.status == SignupStatus::Registered)
        .count();
    let waiting: Vec<i32> = roster.items.iter().filter_map(|e| e.position).collect();
    assert_eq!((registered, waiting), (3, vec![1]));
    // Capacity zero or negative is refused.
    let body = expect_error(lower(0, None).await.expect("patch"), 422, "invalid_field").await;
    assert_eq!(body.field.as_deref(), Some("capacity"));
}

async fn schedule_and_place_changes_reach_everyone_signed_up(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(
            &office,
            json!({"capacity": 1, "location": "县政协三楼"}),
            12,
        )
        .await;
    let ms = app.members("13900026", 2).await;
    for m in &ms {
        app.sign_up(&m.access_token, &a.id, None).await;
    }
    let r = app
        .api(Method::PATCH, &format!("/activities/{}", a.id))
        .bearer_auth(&office)
        .json(&json!({"location": "县政协五楼会议室"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    // A title-only change tells nobody.
    app.api(Method::PATCH, &format!("/activities/{}", a.id))
        .bearer_auth(&office)
        .json(&json!({"title": "新标题"}))
        .send()
        .await
        .expect("patch");
    for m in &ms {
        assert_eq!(
            outbox_count(&app, &m.user.id, "activity_changed").await,
            1,
            "registered and waitlisted alike"
        );
    }
    app.api(Method::POST, &format!("/activities/{}/cancel", a.id))
        .bearer_auth(&office)
        .json(&json!({}))
        .send()
        .await
        .expect("cancel");
    let id = ms[0].user.id;
    let urgent: bool = app
        .state
        .db
        .run(move |conn| {
            use lvzhi_server::db::schema::outbox::dsl;
            Ok(dsl::outbox
                .filter(dsl::user_id.eq(id))
                .filter(dsl::kind.eq("activity_cancelled"))
                .select(dsl::urgent)
                .first(conn)?)
        })
        .await
        .expect("outbox");
    assert!(urgent, "a cancellation within a day is urgent");
    // Cancelled is final.
    let r = app
        .api(Method::PATCH, &format!("/activities/{}", a.id))
        .bearer_auth(&office)
        .json(&json!({"title": "再改"}))
        .send()
        .await
        .expect("patch");
    expect_error(r, 409, "invalid_transition").await;
}

async fn a_rush_of_sign_ups_fills_exactly_the_capacity(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.db_pool_size = 16).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 5}), 24)
        .await;
    let ms = app.members("13900027", 30).await;
    let rush = ms.iter().map(|m| app.sign_up(&m.access_token, &a.id, None));
    let answers = futures::future::join_all(rush).await;
    let mut registered = 0;
    let mut positions = Vec::new();
    for r in answers {
        let r: SignupResult = json_ok(r).await;
        match r.status {
            SignupStatus::Registered => registered += 1,
            SignupStatus::Waitlisted => positions.push(r.position.expect("position")),
            other => panic!("unexpected {other:?}"),
        }
    }
    positions.sort_unstable();
    assert_eq!(registered, 5);
    assert_eq!(
        positions,
        (1..=25).collect::<Vec<_>>(),
        "a gap-free line, each place once"
    );
    let roster = app.roster(&office, a.id).await;
    assert_eq!(
        roster
            .items
            .iter()
            .filter(|e| e.status == SignupStatus::Registered)
            .count(),
        5
    );
}

/// The batch writer directly: requests in one transaction are judged one by
/// one, in order, each seeing the ones before it.
async fn one_batch_judges_each_request_in_arrival_order(b: Backend) {
    use lvzhi_server::auth::Caller;
    use lvzhi_server::domain::activities::signups::{SignupJob, sign_up_batch};
    use lvzhi_server::domain::idempotency::IdemKey;
    use lvzhi_shared::members::Role;

    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 2}), 24)
        .await;
    let ms = app.members("13900031", 3).await;
    let job = |i: usize, key: Option<&str>, role: Option<RoleSlotId>| SignupJob {
        caller: Caller {
            user_id: ms[i].user.id,
            committee_id: ms[i].user.committee_id,
            role: Role::Member,
            session_id: SessionId::new_v7(),
        },
        role_id: role,
        idem: IdemKey::new(ms[i].user.id, key, "sign_up", a.id, "{}").expect("key"),
    };
    let jobs = vec![
        job(0, Some("k1"), None),
        job(0, Some("k1"), None),
        job(0, None, None),
        job(1, None, None),
        job(2, None, Some(RoleSlotId::new_v7())),
        job(2, None, None),
    ];
    let (committee_id, activity_id) = (ms[0].user.committee_id, a.id);
    let now = app.clock.now_utc().naive_utc();
    let answers = app
        .state
        .db
        .write(move |conn| sign_up_batch(conn, committee_id, activity_id, &jobs, now))
        .await
        .expect("batch");
    let summary: Vec<Result<(SignupStatus, Option<i32>), String>> = answers
        .iter()
        .map(|r| match r {
            Ok(s) => Ok((s.status, s.position)),
            Err(e) => Err(serde_json::to_value(e.code)
                .expect("code")
                .as_str()
                .expect("str")
                .to_owned()),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            Ok((SignupStatus::Registered, None)),
            Ok((SignupStatus::Registered, None)),
            Err("already_signed_up".to_owned()),
            Ok((SignupStatus::Registered, None)),
            Err("unknown_role".to_owned()),
            Ok((SignupStatus::Waitlisted, Some(1))),
        ]
    );
    assert_eq!(
        answers[0].as_ref().ok(),
        answers[1].as_ref().ok(),
        "a replay inside the batch answers alike"
    );
}

/// Two server processes (each with its own pool and sign-up lanes) in front of
/// one database: the rush is split between them and still fills exactly.
async fn two_servers_on_one_database_never_overbook(b: Backend) {
    let app = TestApp::spawn(b).await;
    let second = lvzhi_server::Application::build_with_clock(app.config.clone(), app.clock.clone())
        .await
        .expect("second server");
    let second_origin = format!("http://{}", second.addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(second.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 7}), 24)
        .await;
    let ms = app.members("13900033", 24).await;
    let rush = ms.iter().enumerate().map(|(i, m)| {
        let origin = if i % 2 == 0 {
            app.origin.clone()
        } else {
            second_origin.clone()
        };
        app.client
            .post(format!("{origin}/api/v1/activities/{}/signups", a.id))
            .bearer_auth(&m.access_token)
            .json(&json!({}))
            .send()
    });
    let mut registered = 0;
    let mut positions = Vec::new();
    for r in futures::future::join_all(rush).await {
        let r: SignupResult = json_ok(r.expect("send")).await;
        match r.position {
            None => registered += 1,
            Some(p) => positions.push(p),
        }
    }
    positions.sort_unstable();
    assert_eq!(registered, 7);
    assert_eq!(positions, (1..=17).collect::<Vec<_>>());
    let _ = stop.send(());
    let _ = server.await;
}

async fn old_idempotency_keys_are_swept(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app.published_activity(&office, json!({}), 100).await;
    let m = app.member_in("13900034001", None).await;
    let send = || {
        app.api(Method::POST, &format!("/activities/{}/signups", a.id))
            .bearer_auth(&m.access_token)
            .header("Idempotency-Key", "tap")
            .json(&json!({}))
            .send()
    };
    json_ok::<SignupResult>(send().await.expect("send")).await;
    let sweep = |days: i64| {
        let now = app.clock.now_utc().naive_utc() + chrono::Duration::days(days);
        app.state
            .db
            .run(move |conn| lvzhi_server::maintenance::sweep(conn, now))
    };
    assert_eq!(
        sweep(1).await.expect("sweep").idempotency_keys,
        0,
        "kept for two days"
    );
    assert_eq!(sweep(3).await.expect("sweep").idempotency_keys, 1);
    // After the sweep the same key is a new request again (and refused as a duplicate sign-up).
    expect_error(send().await.expect("send"), 409, "already_signed_up").await;
}
