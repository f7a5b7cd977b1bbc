//! The mobile SDK's core (`lvzhi_mobile::core`) driven against the real
//! server, as the phone app drives it: a member's day, errors the app acts
//! on, token refresh under concurrency, and the end of a session.

use std::sync::Arc;

use diesel::prelude::*;
use lvzhi_mobile::core::{
    ActivityFilter, Client, ClientConfig, Error, MemorySessionStore, Session, SessionStore,
    new_idempotency_key,
};
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    ActivityKind, ActivityStatus, FindingStatus, NewFinding, SignupStatus,
};
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::notifications::{NotificationKind, Platform};
use lvzhi_tests::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(
    a_members_day_through_the_sdk,
    errors_are_what_the_app_can_act_on,
    concurrent_calls_share_one_refresh_and_a_dead_session_says_so,
    activation_password_change_and_attendance_through_the_sdk,
    findings_and_their_answers_through_the_sdk,
    activity_filters_and_pages_through_the_sdk,
    a_call_dropped_mid_refresh_keeps_the_session,
    meetings_leave_checkin_and_appraisal_through_the_sdk,
    a_report_written_and_followed_through_the_sdk,
    a_duty_record_read_and_disputed_through_the_sdk,
);

/// A server that takes the connection and never answers: the call gives up
/// after the configured timeout with a network error, the session kept.
#[tokio::test]
async fn a_silent_server_times_out() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = silent.local_addr().expect("addr");
    let store = Arc::new(MemorySessionStore::default());
    store.save(Session {
        access_token: "a".into(),
        refresh_token: "r".into(),
        user_id: MemberId::new_v7(),
    });
    let mut config = ClientConfig::new(format!("http://{addr}"));
    config.timeout = std::time::Duration::from_millis(300);
    let sdk = Client::new(config, store.clone()).expect("client");
    let started = std::time::Instant::now();
    let err = sdk.me().await.expect_err("no answer");
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "the timeout applies"
    );
    assert!(store.load().is_some(), "a timeout does not end the session");
    drop(silent);
}

/// Refresh tokens ever issued to `user_id` (one per sign-in or refresh).
async fn refresh_tokens_issued(app: &TestApp, user_id: &MemberId) -> i64 {
    let user_id = *user_id;
    app.state
        .db
        .run(move |conn| {
            use lvzhi_server::db::schema::refresh_tokens::dsl;
            Ok(dsl::refresh_tokens
                .filter(dsl::user_id.eq(user_id))
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .expect("count")
}

fn client(app: &TestApp) -> (Client, Arc<MemorySessionStore>) {
    let store = Arc::new(MemorySessionStore::default());
    let client = Client::new(ClientConfig::new(app.origin.clone()), store.clone()).expect("client");
    (client, store)
}

async fn a_members_day_through_the_sdk(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office_token = app.admin().await.access_token;
    app.member_in("13900081001", None).await;
    app.member_in("13900081002", None).await;
    let activity = app
        .published_activity(
            &office_token,
            json!({"capacity": 1, "title": "法治讲座"}),
            3,
        )
        .await;

    let (first, _) = client(&app);
    let (second, _) = client(&app);
    let (office, _) = client(&app);
    first
        .sign_in("13900081001", "password-123")
        .await
        .expect("sign in");
    let me = second
        .sign_in("13900081002", "password-123")
        .await
        .expect("sign in");
    office
        .sign_in(&app.admin_phone, &app.admin_password)
        .await
        .expect("office signs in");
    assert_eq!(second.me().await.expect("me").member.id, me.id);

    let page = first
        .activities(&ActivityFilter::default())
        .await
        .expect("list");
    assert!(page.items.iter().any(|a| a.id == activity.id));

    // One place: the first registers, the second waits, then moves up.
    let key = new_idempotency_key();
    let mine = first
        .sign_up(activity.id, None, key.clone())
        .await
        .expect("sign up");
    assert_eq!(mine.status, SignupStatus::Registered);
    // A retry of the same action (same key) gets the same answer.
    let again = first.sign_up(activity.id, None, key).await.expect("retry");
    assert_eq!(again.status, SignupStatus::Registered);
    let waiting = second
        .sign_up(activity.id, None, new_idempotency_key())
        .await
        .expect("waitlisted");
    assert_eq!(
        (waiting.status, waiting.position),
        (SignupStatus::Waitlisted, Some(1))
    );
    first
        .cancel_sign_up(activity.id, new_idempotency_key())
        .await
        .expect("cancel");
    let detail = second.activity(activity.id).await.expect("detail");
    assert_eq!(
        detail.my_signup.map(|s| s.status),
        Some(SignupStatus::Registered)
    );
    let mine = second.my_activities().await.expect("my activities");
    assert_eq!(mine.items.len(), 1);
    // The organizer's live roster count.
    let roster = office.activity(activity.id).await.expect("office view");
    assert_eq!((roster.registered, roster.waitlisted), (1, 0));

    // The inbox says so; reading it clears the badge.
    let inbox = second.inbox(false, None).await.expect("inbox");
    let promoted = inbox
        .items
        .iter()
        .find(|n| n.kind == NotificationKind::Promoted)
        .expect("promotion notice");
    let unread = second.unread_count().await.expect("count");
    assert_eq!(unread, inbox.unread);
    second.mark_read(promoted.id).await.expect("read");
    assert_eq!(second.unread_count().await.expect("count"), unread - 1);
    second.mark_all_read().await.expect("read all");
    assert_eq!(second.unread_count().await.expect("count"), 0);
    second
        .register_push_token("sdk-phone-token", Platform::Ios)
        .await
        .expect("push token");
    second
        .unregister_push_token("sdk-phone-token")
        .await
        .expect("forget push token");

    // On site: the organizer shows the code, the member scans it.
    app.clock
        .advance(chrono::Duration::hours(2) + chrono::Duration::minutes(30));
    let code = office.checkin_code(activity.id).await.expect("code");
    let checked = second
        .check_in(activity.id, &code.code, new_idempotency_key())
        .await
        .expect("check in");
    assert_eq!(checked.activity_id, activity.id);
    let twice = second
        .check_in(activity.id, &code.code, new_idempotency_key())
        .await
        .expect_err("twice");
    assert!(
        matches!(
            twice,
            Error::Conflict {
                code: ErrorCode::AlreadyCheckedIn,
                ..
            }
        ),
        "{twice:?}"
    );
    let year = app
        .clock
        .now_utc()
        .format("%Y")
        .to_string()
        .parse()
        .expect("year");
    let record = second.duty_record(year).await.expect("record");
    assert_eq!(record.year, year);
    assert!(
        second
            .my_findings()
            .await
            .expect("findings")
            .items
            .is_empty()
    );

    second.sign_out().await.expect("sign out");
    assert!(!second.is_signed_in());
    assert_eq!(
        second.me().await.expect_err("signed out"),
        Error::SessionExpired
    );
}

async fn errors_are_what_the_app_can_act_on(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office_token = app.admin().await.access_token;
    app.member_in("13900082001", None).await;
    let activity = app
        .published_activity(&office_token, json!({"capacity": 5}), 24)
        .await;
    let (member, store) = client(&app);

    let wrong = member
        .sign_in("13900082001", "not-the-password")
        .await
        .expect_err("wrong password");
    assert!(
        matches!(
            wrong,
            Error::Unauthorized {
                code: ErrorCode::InvalidCredentials,
                ..
            }
        ),
        "{wrong:?}"
    );
    assert!(store.load().is_none(), "nothing stored on failure");
    assert_eq!(
        member.me().await.expect_err("not signed in"),
        Error::SessionExpired
    );

    member
        .sign_in("13900082001", "password-123")
        .await
        .expect("sign in");
    member
        .sign_up(activity.id, None, new_idempotency_key())
        .await
        .expect("sign up");
    let twice = member
        .sign_up(activity.id, None, new_idempotency_key())
        .await
        .expect_err("twice");
    assert!(
        matches!(
            twice,
            Error::Conflict {
                code: ErrorCode::AlreadySignedUp,
                ..
            }
        ),
        "{twice:?}"
    );
    let bad = member
        .register_push_token("has spaces", Platform::Android)
        .await
        .expect_err("bad token");
    match &bad {
        Error::Invalid { code, field, .. } => {
            assert_eq!(*code, ErrorCode::InvalidField);
            assert_eq!(field.as_deref(), Some("token"));
        }
        other => panic!("expected invalid: {other:?}"),
    }
    let missing = member
        .activity(
            "0190a000-0000-7000-8000-000000000000"
                .parse()
                .expect("an id"),
        )
        .await
        .expect_err("missing");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    let forbidden = member.checkin_code(activity.id).await.expect_err("member");
    assert!(
        matches!(
            forbidden,
            Error::Forbidden {
                code: ErrorCode::Forbidden,
                ..
            }
        ),
        "{forbidden:?}"
    );

    // Nobody listening: a network error, and the session is kept.
    let offline_store = Arc::new(MemorySessionStore::default());
    offline_store.save(Session {
        access_token: "a".into(),
        refresh_token: "r".into(),
        user_id: MemberId::new_v7(),
    });
    let offline = Client::new(
        ClientConfig::new("http://127.0.0.1:9"),
        offline_store.clone(),
    )
    .expect("client");
    let err = offline.me().await.expect_err("offline");
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(offline_store.load().is_some());
    // Error text carries no personal data.
    for e in [&wrong, &twice, &missing, &forbidden, &err] {
        assert!(!e.to_string().contains("13900082001"), "{e}");
    }
}

async fn concurrent_calls_share_one_refresh_and_a_dead_session_says_so(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = app.member_in("13900083001", None).await;
    let (sdk, store) = client(&app);
    sdk.sign_in("13900083001", "password-123")
        .await
        .expect("sign in");

    // The access token has "expired": twenty calls fail together, one refresh serves them all.
    let stale = |store: &MemorySessionStore| {
        let mut s = store.load().expect("session");
        s.access_token = "expired-access-token".into();
        store.save(s);
    };
    stale(&store);
    let calls = (0..20).map(|_| sdk.me());
    for result in futures::future::join_all(calls).await {
        result.expect("every call succeeds after the refresh");
    }
    let issued = refresh_tokens_issued(&app, &member.user.id).await;
    // member_in's sign-in, the SDK's sign-in, and exactly one refresh.
    assert_eq!(issued, 3);

    // Someone copied the refresh token and used it first: the SDK's refresh
    // is refused as a reuse, the session ends, the store is cleared.
    let copied = store.load().expect("session").refresh_token;
    let resp = app
        .api(reqwest::Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": copied}))
        .send()
        .await
        .expect("thief refreshes");
    assert!(resp.status().is_success());
    stale(&store);
    assert_eq!(sdk.me().await.expect_err("dead"), Error::SessionExpired);
    assert!(store.load().is_none(), "the app is told to show sign-in");
}

async fn activation_password_change_and_attendance_through_the_sdk(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office_token = app.admin().await.access_token;
    let created = app
        .create_member(
            &office_token,
            &lvzhi_shared::members::NewMember {
                name: "新委员".into(),
                phone: "13900084001".into(),
                ..Default::default()
            },
        )
        .await;
    let (member, store) = client(&app);
    // A wrong code is refused; the office's code activates and signs in.
    let wrong = member
        .activate("13900084001", "00000000", "first-password-1")
        .await
        .expect_err("wrong code");
    assert!(
        matches!(
            wrong,
            Error::Unauthorized {
                code: ErrorCode::ActivationCodeInvalid,
                ..
            }
        ),
        "{wrong:?}"
    );
    let me = member
        .activate("13900084001", &created.activation.code, "first-password-1")
        .await
        .expect("activate");
    assert_eq!(store.load().map(|s| s.user_id), Some(me.id));

    // A new password: the old one stops working, the new one signs in.
    let weak = member
        .change_password("first-password-1", "short")
        .await
        .expect_err("weak");
    assert!(
        matches!(
            weak,
            Error::Invalid {
                code: ErrorCode::WeakPassword,
                ..
            }
        ),
        "{weak:?}"
    );
    member
        .change_password("first-password-1", "second-password-2")
        .await
        .expect("change password");
    member.sign_out().await.expect("sign out");
    let old = member
        .sign_in("13900084001", "first-password-1")
        .await
        .expect_err("old password");
    assert!(matches!(old, Error::Unauthorized { .. }), "{old:?}");
    member
        .sign_in("13900084001", "second-password-2")
        .await
        .expect("new password");

    // The organizer marks attendance on site once the activity has started.
    let activity = app
        .published_activity(&office_token, json!({"capacity": 5}), 2)
        .await;
    member
        .sign_up(activity.id, None, new_idempotency_key())
        .await
        .expect("sign up");
    let (office, _) = client(&app);
    office
        .sign_in(&app.admin_phone, &app.admin_password)
        .await
        .expect("office");
    let early = office
        .mark_attendance(
            activity.id,
            vec![lvzhi_shared::activities::AttendanceEntry {
                member_id: me.id,
                attendance: lvzhi_shared::activities::Attendance::Attended,
            }],
        )
        .await
        .expect_err("before the start");
    assert!(matches!(early, Error::Conflict { .. }), "{early:?}");
    app.clock.advance(chrono::Duration::hours(3));
    let marked = office
        .mark_attendance(
            activity.id,
            vec![lvzhi_shared::activities::AttendanceEntry {
                member_id: me.id,
                attendance: lvzhi_shared::activities::Attendance::Attended,
            }],
        )
        .await
        .expect("attendance");
    assert_eq!(marked.updated, 1);
    let mine = member.my_activities().await.expect("mine");
    assert_eq!(
        mine.items[0].signup.attendance,
        Some(lvzhi_shared::activities::Attendance::Attended)
    );
}

async fn findings_and_their_answers_through_the_sdk(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office_token = app.admin().await.access_token;
    app.member_in("13900085001", None).await;
    let trip = app
        .published_activity(
            &office_token,
            json!({"kind": "inspection", "title": "视察农村饮水工程", "capacity": 3}),
            2,
        )
        .await;
    let (member, member_store) = client(&app);
    member
        .sign_in("13900085001", "password-123")
        .await
        .expect("sign in");
    let finding = NewFinding {
        title: "水质检测频次不足".into(),
        content: "建议每季度抽检一次。".into(),
    };
    // Not on the trip yet: the app is told why.
    let early = member
        .submit_finding(trip.id, &finding, new_idempotency_key())
        .await
        .expect_err("not signed up");
    assert!(
        matches!(
            early,
            Error::Conflict {
                code: ErrorCode::NotSignedUp,
                ..
            }
        ),
        "{early:?}"
    );
    member
        .sign_up(trip.id, None, new_idempotency_key())
        .await
        .expect("sign up");
    let blank = member
        .submit_finding(
            trip.id,
            &NewFinding {
                title: " ".into(),
                content: "内容".into(),
            },
            new_idempotency_key(),
        )
        .await
        .expect_err("blank title");
    assert!(
        matches!(&blank, Error::Invalid { code: ErrorCode::FieldRequired, field, .. } if field.as_deref() == Some("title")),
        "{blank:?}"
    );
    // An over-long title is refused by the SDK itself, with the server's
    // code and field: this client's server does not even exist.
    let offline = Client::new(
        ClientConfig::new("http://127.0.0.1:9"),
        member_store.clone(),
    )
    .expect("client");
    let too_long = offline
        .submit_finding(
            trip.id,
            &NewFinding {
                title: "长".repeat(lvzhi_shared::validate::MAX_TITLE_CHARS + 1),
                content: "内容".into(),
            },
            new_idempotency_key(),
        )
        .await
        .expect_err("too long");
    assert!(
        matches!(&too_long, Error::Invalid { code: ErrorCode::FieldTooLong, field, .. } if field.as_deref() == Some("title")),
        "{too_long:?}"
    );

    // A retry of the same submission (same key) makes one finding.
    let key = new_idempotency_key();
    let submitted = member
        .submit_finding(trip.id, &finding, key.clone())
        .await
        .expect("submit");
    let retried = member
        .submit_finding(trip.id, &finding, key)
        .await
        .expect("retry");
    assert_eq!(retried.id, submitted.id);
    assert_eq!(submitted.status, FindingStatus::Submitted);
    let mine = member.my_findings().await.expect("mine");
    assert_eq!(mine.items.len(), 1);
    assert!(mine.items[0].response.is_none());

    // The office forwards it, the department answers; the member reads the
    // answer and is told.
    for step in [
        json!({"status": "forwarded", "department": "县水利局"}),
        json!({"status": "answered", "response": "已列入明年改造计划。"}),
    ] {
        let resp = app
            .api(
                reqwest::Method::PATCH,
                &format!("/findings/{}", submitted.id),
            )
            .bearer_auth(&office_token)
            .json(&step)
            .send()
            .await
            .expect("office");
        assert!(resp.status().is_success(), "{step}: {}", resp.status());
    }
    let mine = member.my_findings().await.expect("mine");
    assert_eq!(mine.items[0].status, FindingStatus::Answered);
    assert_eq!(mine.items[0].department.as_deref(), Some("县水利局"));
    assert_eq!(
        mine.items[0].response.as_deref(),
        Some("已列入明年改造计划。")
    );
    let inbox = member.inbox(true, None).await.expect("inbox");
    assert!(
        inbox
            .items
            .iter()
            .any(|n| n.kind == NotificationKind::FindingAnswered),
        "{:?}",
        inbox.items.iter().map(|n| n.kind).collect::<Vec<_>>()
    );
}

async fn activity_filters_and_pages_through_the_sdk(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office_token = app.admin().await.access_token;
    app.member_in("13900086001", None).await;
    let mut trainings = Vec::new();
    for hours in [24, 48, 72] {
        trainings.push(
            app.published_activity(&office_token, json!({"kind": "training"}), hours)
                .await,
        );
    }
    let inspection = app
        .published_activity(&office_token, json!({"kind": "inspection"}), 36)
        .await;
    let cancelled = app
        .published_activity(&office_token, json!({"kind": "training"}), 60)
        .await;
    let resp = app
        .api(
            reqwest::Method::POST,
            &format!("/activities/{}/cancel", cancelled.id),
        )
        .bearer_auth(&office_token)
        .json(&json!({"reason": "场地调整"}))
        .send()
        .await
        .expect("cancel");
    assert!(resp.status().is_success(), "{}", resp.status());

    let (member, _) = client(&app);
    member
        .sign_in("13900086001", "password-123")
        .await
        .expect("sign in");
    let ids = |page: &lvzhi_shared::activities::ActivityPage| {
        page.items.iter().map(|a| a.id).collect::<Vec<_>>()
    };

    // By kind and status, in start order.
    let only_trainings = member
        .activities(&ActivityFilter {
            kind: Some(ActivityKind::Training),
            status: Some(ActivityStatus::Published),
            ..ActivityFilter::default()
        })
        .await
        .expect("trainings");
    assert_eq!(
        ids(&only_trainings),
        trainings.iter().map(|a| a.id).collect::<Vec<_>>()
    );
    let only_cancelled = member
        .activities(&ActivityFilter {
            status: Some(ActivityStatus::Cancelled),
            ..ActivityFilter::default()
        })
        .await
        .expect("cancelled");
    assert_eq!(ids(&only_cancelled), vec![cancelled.id]);

    // A time window: what starts within the next two days.
    let now = app.clock.now_utc();
    let window = member
        .activities(&ActivityFilter {
            from: Some(now.fixed_offset()),
            to: Some((now + chrono::Duration::hours(49)).fixed_offset()),
            ..ActivityFilter::default()
        })
        .await
        .expect("window");
    assert_eq!(
        ids(&window),
        vec![trainings[0].id, inspection.id, trainings[1].id]
    );

    // Pages of two, walked with the cursor: everything once, in order.
    let mut walked = Vec::new();
    let mut filter = ActivityFilter {
        limit: Some(2),
        ..ActivityFilter::default()
    };
    loop {
        let page = member.activities(&filter).await.expect("page");
        assert!(page.items.len() <= 2);
        walked.extend(ids(&page));
        match page.next_cursor {
            Some(c) => filter.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(walked.len(), 5, "{walked:?}");
    let everything = member
        .activities(&ActivityFilter::default())
        .await
        .expect("all");
    assert_eq!(walked, ids(&everything));

    // A cursor the app made up is refused with the field at fault.
    let bad = member
        .activities(&ActivityFilter {
            cursor: Some("not-a-cursor".into()),
            ..ActivityFilter::default()
        })
        .await
        .expect_err("bad cursor");
    assert!(
        matches!(&bad, Error::Invalid { field, .. } if field.as_deref() == Some("cursor")),
        "{bad:?}"
    );
}

/// A session store that says when the SDK starts a refresh (its second load).
struct WatchedStore {
    inner: MemorySessionStore,
    loads: std::sync::atomic::AtomicUsize,
    refresh_started: tokio::sync::Notify,
}

impl SessionStore for WatchedStore {
    fn load(&self) -> Option<Session> {
        if self.loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            self.refresh_started.notify_one();
        }
        self.inner.load()
    }
    fn save(&self, session: Session) {
        self.inner.save(session)
    }
    fn clear(&self) {
        self.inner.clear()
    }
}

/// The app gives up on a call (screen closed) while the SDK is refreshing
/// the session: the rotation still completes and is saved, so the next call
/// works without signing in again.
async fn a_call_dropped_mid_refresh_keeps_the_session(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = app.member_in("13900087001", None).await;
    let (signing_in, seed) = client(&app);
    signing_in
        .sign_in("13900087001", "password-123")
        .await
        .expect("sign in");
    let mut session = seed.load().expect("session");
    let old_refresh = session.refresh_token.clone();
    session.access_token = "expired-access-token".into();
    let store = Arc::new(WatchedStore {
        inner: MemorySessionStore::default(),
        loads: Default::default(),
        refresh_started: tokio::sync::Notify::new(),
    });
    store.save(session);
    let sdk = Client::new(ClientConfig::new(app.origin.clone()), store.clone()).expect("client");

    // Load 1: the call; load 2: the refresh. Drop the call right then.
    tokio::select! {
        r = sdk.me() => panic!("the call should have been dropped first: {r:?}"),
        _ = store.refresh_started.notified() => {}
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.load().map(|s| s.refresh_token) == Some(old_refresh.clone()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the rotation was never saved"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let me = sdk.me().await.expect("the saved session works");
    assert_eq!(me.member.id, member.user.id);
    let issued = refresh_tokens_issued(&app, &member.user.id).await;
    // member_in's sign-in, the SDK's sign-in, and the one refresh.
    assert_eq!(issued, 3);
}

/// A member, entirely through the SDK: sees the published meeting and its
/// notice, asks leave for one session (a retry is the same request), checks
/// in at the other with the office's code, votes in the appraisal round held
/// there, checks the receipt, and reads the results once the office closes
/// the round; and gets the address of their calendar feed.
async fn meetings_leave_checkin_and_appraisal_through_the_sdk(b: Backend) {
    use lvzhi_shared::calendar::CalendarScope;
    use lvzhi_shared::meetings::{
        AppraisalStatus, BallotAnswer, LeaveStatus, MeetingAnswer, NewBallot, Rating,
        SessionAttendance,
    };
    use reqwest::Method;

    let app = TestApp::spawn(b).await;
    let office_token = app.admin().await.access_token;
    let member = app.member_in("13900088001", None).await;
    let absent = app.member_in("13900088002", None).await;
    app.member_in("13900088003", None).await;
    let meeting = app
        .published_meeting(
            &office_token,
            &[member.user.id, absent.user.id],
            "七届常委会第十次会议",
            &[72, 76],
        )
        .await;
    let (first, second) = (meeting.sessions[0].id, meeting.sessions[1].id);
    let agenda = b"%PDF-1.4\n% the tenth meeting's agenda\n".to_vec();
    let document = app
        .meeting_document(&office_token, meeting.id, "会议议程", agenda.clone())
        .await;
    // A meeting the member is not summoned to, with a document of its own.
    let elsewhere = app
        .published_meeting(&office_token, &[absent.user.id], "主席会议", &[80])
        .await;
    let hidden = app
        .meeting_document(&office_token, elsewhere.id, "内部材料", agenda.clone())
        .await;

    let (sdk, _) = client(&app);
    sdk.sign_in("13900088001", "password-123")
        .await
        .expect("sign in");
    let listed = sdk.meetings(false).await.expect("meetings");
    assert_eq!(
        listed.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![meeting.id]
    );
    assert!(
        sdk.meetings(true)
            .await
            .expect("with past")
            .items
            .iter()
            .any(|m| m.id == meeting.id)
    );
    let detail = sdk.meeting(meeting.id).await.expect("detail");
    assert_eq!(detail.sessions.len(), 2);
    // The meeting's documents open on the phone; another meeting's do not.
    assert_eq!(detail.documents[0].id, document.id);
    assert_eq!(
        sdk.download_file(&detail.documents[0].url)
            .await
            .expect("file"),
        agenda
    );
    assert!(matches!(
        sdk.download_file(&hidden.url).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        sdk.download_file("https://example.com/x.pdf").await,
        Err(Error::Invalid { field: Some(ref f), .. }) if f == "url"
    ));
    assert_eq!(
        detail.me.as_ref().map(|m| m.answer),
        Some(MeetingAnswer::Pending)
    );
    // The notice is in the inbox, naming the meeting.
    let inbox = sdk.inbox(false, None).await.expect("inbox");
    let notice = inbox
        .items
        .iter()
        .find(|n| n.kind == NotificationKind::MeetingNotice)
        .expect("the meeting's notice");
    assert_eq!(notice.meeting_id, Some(meeting.id));
    assert_eq!(notice.activity_id, None);

    // A member not summoned does not see it.
    let (stranger, _) = client(&app);
    stranger
        .sign_in("13900088003", "password-123")
        .await
        .expect("sign in");
    assert!(
        stranger
            .meetings(true)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    let hidden = stranger
        .meeting(meeting.id)
        .await
        .expect_err("not summoned");
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
    let refused = stranger
        .ask_leave(meeting.id, vec![], "出差", new_idempotency_key())
        .await
        .expect_err("not summoned");
    assert!(
        matches!(
            refused,
            Error::Forbidden {
                code: ErrorCode::NotSummoned,
                ..
            }
        ),
        "{refused:?}"
    );

    // Leave for the second session; a blank reason is refused by the SDK itself.
    let blank = sdk
        .ask_leave(meeting.id, vec![second], "  ", new_idempotency_key())
        .await
        .expect_err("no reason");
    assert!(
        matches!(&blank, Error::Invalid { code: ErrorCode::FieldRequired, field, .. } if field.as_deref() == Some("reason")),
        "{blank:?}"
    );
    let key = new_idempotency_key();
    let asked = sdk
        .ask_leave(meeting.id, vec![second], "下午赴市里参加调研", key.clone())
        .await
        .expect("ask leave");
    assert_eq!(asked.answer, MeetingAnswer::Leave);
    let leave = asked.leave.clone().expect("the request");
    assert_eq!(
        (leave.status, leave.sessions.clone()),
        (LeaveStatus::Pending, vec![second])
    );
    let retried = sdk
        .ask_leave(meeting.id, vec![second], "下午赴市里参加调研", key)
        .await
        .expect("retry");
    assert_eq!(retried.leave.map(|l| l.id), Some(leave.id));
    let again = sdk
        .ask_leave(meeting.id, vec![], "全天有事", new_idempotency_key())
        .await
        .expect_err("already asked");
    assert!(
        matches!(
            again,
            Error::Conflict {
                code: ErrorCode::LeaveAlreadyRequested,
                ..
            }
        ),
        "{again:?}"
    );
    let mine = sdk.my_leave_requests().await.expect("my leave");
    assert_eq!(mine.items.len(), 1);
    assert_eq!(
        (mine.items[0].id, mine.items[0].meeting_id),
        (leave.id, meeting.id)
    );

    // The first session: an hour before it, the venue's screen shows the code.
    app.clock
        .advance(chrono::Duration::hours(71) + chrono::Duration::minutes(30));
    let office_token = app.admin().await.access_token;
    let code: lvzhi_shared::activities::CheckinCode = app
        .call_ok(
            &office_token,
            Method::GET,
            &format!("/meetings/{}/sessions/{first}/checkin-code", meeting.id),
            None,
        )
        .await;
    let wrong = sdk
        .check_in_session(meeting.id, first, "000000", new_idempotency_key())
        .await
        .expect_err("wrong code");
    assert!(!matches!(wrong, Error::Server { .. }), "{wrong:?}");
    let key = new_idempotency_key();
    let checked = sdk
        .check_in_session(meeting.id, first, &code.code, key.clone())
        .await
        .expect("check in");
    assert_eq!(
        (checked.session_id, checked.attendance),
        (first, SessionAttendance::Present)
    );
    let retried = sdk
        .check_in_session(meeting.id, first, &code.code, key)
        .await
        .expect("retry");
    assert_eq!(retried.checked_in_at, checked.checked_in_at);
    let detail = sdk.meeting(meeting.id).await.expect("detail");
    assert_eq!(detail.me.map(|m| m.checked_in), Some(vec![first]));

    // The appraisal round held at the meeting: those checked in vote.
    let round: lvzhi_shared::meetings::Appraisal = app
        .call_ok(
            &office_token,
            Method::POST,
            "/appraisals",
            Some(
                json!({"meeting_id": meeting.id, "title": "部门工作民主评议",
                        "departments": ["县教育局", "县卫生健康局"]}),
            ),
        )
        .await;
    let _: lvzhi_shared::meetings::Appraisal = app
        .call_ok(
            &office_token,
            Method::POST,
            &format!("/appraisals/{}/open", round.id),
            None,
        )
        .await;
    let rounds = sdk.appraisals(Some(meeting.id)).await.expect("rounds");
    assert_eq!(rounds.items.len(), 1);
    assert!(rounds.items[0].may_vote && !rounds.items[0].has_voted);
    let round = sdk.appraisal(round.id).await.expect("round");
    assert_eq!(round.status, AppraisalStatus::Open);
    let early = sdk.appraisal_results(round.id).await.expect_err("open");
    assert!(
        matches!(
            early,
            Error::Conflict {
                code: ErrorCode::ResultsNotReady,
                ..
            }
        ),
        "{early:?}"
    );
    let ballot = NewBallot {
        answers: vec![
            BallotAnswer {
                department_id: round.departments[0].id,
                rating: Rating::Satisfied,
                comment: Some("课后服务有改进".into()),
            },
            BallotAnswer {
                department_id: round.departments[1].id,
                rating: Rating::BasicallySatisfied,
                comment: None,
            },
        ],
    };
    let receipt = sdk.cast_ballot(round.id, &ballot).await.expect("vote");
    assert_eq!(receipt.appraisal_id, round.id);
    let twice = sdk.cast_ballot(round.id, &ballot).await.expect_err("twice");
    assert!(
        matches!(
            twice,
            Error::Conflict {
                code: ErrorCode::AlreadyVoted,
                ..
            }
        ),
        "{twice:?}"
    );
    assert!(
        sdk.check_receipt(round.id, &receipt.receipt)
            .await
            .expect("receipt")
            .counted
    );
    assert!(
        !sdk.check_receipt(round.id, "not-a-receipt")
            .await
            .expect("a receipt that is not one")
            .counted
    );
    assert!(sdk.appraisal(round.id).await.expect("round").has_voted);
    // The member summoned but never checked in may not vote.
    let (absentee, _) = client(&app);
    absentee
        .sign_in("13900088002", "password-123")
        .await
        .expect("sign in");
    let barred = absentee
        .cast_ballot(round.id, &ballot)
        .await
        .expect_err("not checked in");
    assert!(
        matches!(
            barred,
            Error::Forbidden {
                code: ErrorCode::NotEligible,
                ..
            }
        ),
        "{barred:?}"
    );

    // The office closes the round: the results are there for the member.
    let _: lvzhi_shared::meetings::Appraisal = app
        .call_ok(
            &office_token,
            Method::POST,
            &format!("/appraisals/{}/close", round.id),
            None,
        )
        .await;
    let results = sdk.appraisal_results(round.id).await.expect("results");
    assert_eq!(
        (results.status, results.ballots, results.eligible),
        (AppraisalStatus::Closed, 1, 1)
    );
    assert_eq!(results.departments.len(), 2);
    assert_eq!(results.departments[0].name, "县教育局");
    assert_eq!(results.departments[0].satisfied, 1);

    // The calendar feed's address, the same on every ask; the committee's is the office's.
    let feed = sdk.calendar_url(CalendarScope::Mine).await.expect("feed");
    assert!(
        feed.url.starts_with(&app.origin) && feed.url.ends_with(".ics"),
        "{}",
        feed.url
    );
    assert!(feed.webcal_url.starts_with("webcal://"));
    assert_eq!(
        sdk.calendar_url(CalendarScope::Mine)
            .await
            .expect("again")
            .url,
        feed.url
    );
    let ics = app
        .client
        .get(&feed.url)
        .send()
        .await
        .expect("feed")
        .text()
        .await
        .expect("text");
    assert!(
        ics.contains(&format!("UID:meeting-session-{first}@lvzhi")),
        "{ics}"
    );
    let fresh = sdk
        .reset_calendar_url(CalendarScope::Mine)
        .await
        .expect("reset");
    assert_ne!(fresh.url, feed.url);
    let office_only = sdk
        .calendar_url(CalendarScope::Committee)
        .await
        .expect_err("a member");
    assert!(
        matches!(office_only, Error::Forbidden { .. }),
        "{office_only:?}"
    );
}

/// A member writes a report with a co-signer on the phone, sends it twice on
/// a weak signal, and follows it: the co-signer confirms through their own
/// app, the office accepts, and the timeline and inbox say so.
async fn a_report_written_and_followed_through_the_sdk(b: Backend) {
    use lvzhi_shared::reports::{NewReport, ReportCategory, ReportEventKind, ReportStatus};
    use reqwest::Method;

    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let author = app.member_in("13900089001", None).await;
    let cosigner = app.member_in("13900089002", None).await;
    let (sdk, _) = client(&app);
    sdk.sign_in("13900089001", "password-123")
        .await
        .expect("sign in");

    // Refused on the phone, with the server's code and field.
    let mut report = NewReport {
        title: " ".into(),
        body: "县城老旧小区没有电梯，老人上下楼困难。".into(),
        category: ReportCategory::Livelihood,
        cosigner_ids: vec![cosigner.user.id],
    };
    match sdk.create_report(&report, new_idempotency_key()).await {
        Err(Error::Invalid { code, field, .. }) => {
            assert_eq!(code, ErrorCode::FieldRequired);
            assert_eq!(field.as_deref(), Some("title"));
        }
        other => panic!("expected a field error, got {other:?}"),
    }
    report.title = "关于老旧小区加装电梯的建议".into();
    let key = new_idempotency_key();
    let first = sdk
        .create_report(&report, key.clone())
        .await
        .expect("draft");
    // A photo from the phone, and a second one taken off again.
    let photo = b"\xFF\xD8\xFF\xE0 a photo of the stairs".to_vec();
    let kept = sdk
        .attach_to_report(first.id, "楼道照片", "stairs.jpg", photo.clone())
        .await
        .expect("attach");
    let extra = sdk
        .attach_to_report(first.id, "多余的照片", "extra.jpg", photo.clone())
        .await
        .expect("attach");
    sdk.remove_report_attachment(first.id, extra.id)
        .await
        .expect("remove");
    assert_eq!(sdk.download_file(&kept.url).await.expect("download"), photo);
    let again = sdk.create_report(&report, key).await.expect("retry");
    assert_eq!(first.id, again.id);
    for _ in 0..2 {
        let sent = sdk.submit_report(first.id).await.expect("submit");
        assert_eq!((sent.status, sent.version), (ReportStatus::Submitted, 1));
    }

    let (other, _) = client(&app);
    other
        .sign_in("13900089002", "password-123")
        .await
        .expect("sign in");
    let confirmed = other.cosign_report(first.id, true).await.expect("cosign");
    assert!(confirmed.credits.iter().all(|c| c.confirmed));

    let r = app
        .api(Method::POST, &format!("/reports/{}/accept", first.id))
        .bearer_auth(&office)
        .json(&json!({}))
        .send()
        .await
        .expect("accept");
    assert_eq!(r.status(), 200);

    let detail = sdk.report(first.id).await.expect("detail");
    assert_eq!(detail.report.status, ReportStatus::Accepted);
    assert_eq!(detail.report.credits[0].member_id, author.user.id);
    let attached: Vec<&str> = detail
        .report
        .attachments
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(attached, ["楼道照片"]);
    let kinds: Vec<ReportEventKind> = detail.timeline.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ReportEventKind::Submitted,
            ReportEventKind::Cosigned,
            ReportEventKind::Accepted
        ]
    );
    let mine = other.my_reports(None).await.expect("co-signer's reports");
    assert_eq!(
        mine.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        [first.id]
    );
    let inbox = sdk.inbox(false, None).await.expect("inbox");
    let update = inbox
        .items
        .iter()
        .find(|n| n.kind == NotificationKind::ReportUpdate)
        .expect("told of the acceptance");
    assert_eq!(update.report_id, Some(first.id));
    // Once accepted, the author can no longer withdraw it.
    match sdk.withdraw_report(first.id).await {
        Err(Error::Conflict { code, .. }) => assert_eq!(code, ErrorCode::InvalidTransition),
        other => panic!("expected invalid_transition, got {other:?}"),
    }
}

/// A member reads the year's rules and their record on the phone, disputes
/// a line twice on a weak signal (filed once), and reads the office's answer.
async fn a_duty_record_read_and_disputed_through_the_sdk(b: Backend) {
    use chrono::Datelike;
    use lvzhi_server::clock::Clock;
    use lvzhi_shared::points::{DisputeStatus, PointsEvent, PointsYearStatus};
    use reqwest::Method;

    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900089101", None).await;
    let year = app.clock.now().year();
    let today = app.clock.now().date_naive().to_string();
    let r = app
        .api(Method::POST, "/points/entries")
        .bearer_auth(&office)
        .json(&json!({"member_id": member.user.id, "event": "proposal",
                      "evidence": "提案第7号", "occurred_on": today}))
        .send()
        .await
        .expect("entry");
    assert_eq!(r.status(), 201);
    let (sdk, _) = client(&app);
    sdk.sign_in("13900089101", "password-123")
        .await
        .expect("sign in");

    let rules = sdk.points_year(year).await.expect("rules");
    assert_eq!(rules.status, PointsYearStatus::Open);
    let proposal = rules
        .rules
        .rules
        .iter()
        .find(|r| r.event == PointsEvent::Proposal)
        .expect("a rule for proposals")
        .points;
    let record = sdk.my_points(year).await.expect("record");
    assert_eq!(record.lines.len(), 1);
    assert_eq!(record.lines[0].source.title, "提案第7号");
    assert_eq!(record.total, proposal);

    match sdk.dispute_points(year, None, "  ").await {
        Err(Error::Invalid { code, field, .. }) => {
            assert_eq!(code, ErrorCode::FieldRequired);
            assert_eq!(field.as_deref(), Some("reason"));
        }
        other => panic!("expected a field error, got {other:?}"),
    }
    let key = Some(record.lines[0].key.clone());
    let first = sdk
        .dispute_points(year, key.clone(), "这是联名提案，我是第一提案人")
        .await
        .expect("dispute");
    let again = sdk
        .dispute_points(year, key, "这是联名提案，我是第一提案人")
        .await
        .expect("retry");
    assert_eq!(first.id, again.id);

    let r = app
        .api(
            Method::POST,
            &format!("/points/disputes/{}/refuse", first.id),
        )
        .bearer_auth(&office)
        .json(&json!({"reason": "提案登记为个人提案"}))
        .send()
        .await
        .expect("refuse");
    assert_eq!(r.status(), 200);
    let mine = sdk.my_points_disputes().await.expect("disputes");
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].status, DisputeStatus::Refused);
    assert_eq!(mine.items[0].answer.as_deref(), Some("提案登记为个人提案"));
    let inbox = sdk.inbox(false, None).await.expect("inbox");
    assert!(
        inbox
            .items
            .iter()
            .any(|n| n.kind == NotificationKind::PointsUpdate),
        "told of the answer"
    );
}
