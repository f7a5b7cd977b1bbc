//! Calendar feeds over HTTP: the address (`/me/calendar-url`), the feed a
//! phone's calendar subscribes to (`/calendar/{secret}.ics`, no token), its
//! events following sign-ups, reschedules and cancellations with stable UIDs
//! and a rising SEQUENCE, revocation, and one member's secret giving nothing
//! of another's.

use lvzhi_server::clock::Clock;
use lvzhi_shared::calendar::CalendarFeed;
use lvzhi_shared::meetings::Meeting;
use lvzhi_tests::{Backend, TestApp, logs, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    a_members_feed_follows_sign_ups_reschedules_and_cancellations,
    feeds_are_revocable_private_and_the_committees_is_the_offices,
);

/// The feed's address for `token` (`scope`: None for mine), its secret watched for in the log.
async fn feed_url(app: &TestApp, token: &str, method: Method, scope: Option<&str>) -> CalendarFeed {
    let path = match scope {
        Some(s) => format!("/me/calendar-url?scope={s}"),
        None => "/me/calendar-url".to_owned(),
    };
    let feed: CalendarFeed = app.call_ok(token, method, &path, None).await;
    let secret = feed
        .url
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".ics"))
        .expect("a secret")
        .to_owned();
    logs::watch_for(&secret);
    feed
}

/// The feed at `url` as a calendar app fetches it: no token.
async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    app.client.get(url).send().await.expect("feed request")
}

/// A fetched feed, unfolded, as its events' properties by UID.
struct Ics {
    text: String,
    events: Vec<Vec<(String, String)>>,
}

impl Ics {
    async fn of(app: &TestApp, url: &str) -> Self {
        let resp = fetch(app, url).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/calendar; charset=utf-8")
        );
        let raw = resp.text().await.expect("text");
        assert!(raw.starts_with("BEGIN:VCALENDAR\r\n"), "{raw}");
        let text = raw.replace("\r\n ", "");
        let mut events = Vec::new();
        let mut current: Option<Vec<(String, String)>> = None;
        for line in text.split("\r\n") {
            match line {
                "BEGIN:VEVENT" => current = Some(Vec::new()),
                "END:VEVENT" => events.extend(current.take()),
                _ => {
                    if let (Some(ev), Some((k, v))) = (current.as_mut(), line.split_once(':')) {
                        ev.push((k.to_owned(), v.to_owned()));
                    }
                }
            }
        }
        Self { text, events }
    }

    fn uids(&self) -> Vec<String> {
        let mut uids: Vec<String> = self
            .events
            .iter()
            .filter_map(|e| e.iter().find(|(k, _)| k == "UID").map(|(_, v)| v.clone()))
            .collect();
        uids.sort();
        uids
    }

    /// The value of `prop` in the event with `uid`.
    fn get(&self, uid: &str, prop: &str) -> String {
        let event = self
            .events
            .iter()
            .find(|e| e.iter().any(|(k, v)| k == "UID" && v == uid))
            .unwrap_or_else(|| panic!("no event {uid} in\n{}", self.text));
        event
            .iter()
            .find(|(k, _)| k == prop)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{uid} has no {prop}"))
    }
}

fn activity_uid(id: impl std::fmt::Display) -> String {
    format!("activity-{id}@lvzhi")
}

fn session_uid(id: impl std::fmt::Display) -> String {
    format!("meeting-session-{id}@lvzhi")
}

async fn a_members_feed_follows_sign_ups_reschedules_and_cancellations(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900093001", None).await;
    let other = app.member_in("13900093002", None).await;
    let training = app
        .published_activity(&office, json!({"title": "履职能力培训", "capacity": 5}), 24)
        .await;
    let full = app
        .published_activity(&office, json!({"title": "送医下乡", "capacity": 1}), 30)
        .await;
    let not_mine = app
        .published_activity(&office, json!({"title": "法治讲座", "capacity": 5}), 36)
        .await;
    for (who, activity) in [
        (&member, &training),
        (&other, &full),
        (&member, &full),
        (&other, &not_mine),
    ] {
        let resp = app.sign_up(&who.access_token, activity.id, None).await;
        assert!(resp.status().is_success(), "{}", resp.status());
    }
    let meeting = app
        .published_meeting(
            &office,
            &[member.user.id],
            "七届常委会第十一次会议",
            &[72, 76],
        )
        .await;
    let (s0, s1) = (meeting.sessions[0].id, meeting.sessions[1].id);

    let feed = feed_url(&app, &member.access_token, Method::GET, None).await;
    assert!(feed.url.starts_with(&app.origin), "{}", feed.url);
    let ics = Ics::of(&app, &feed.url).await;
    let mut want = vec![
        activity_uid(training.id),
        activity_uid(full.id),
        session_uid(s0),
        session_uid(s1),
    ];
    want.sort();
    assert_eq!(ics.uids(), want, "{}", ics.text);
    assert!(ics.text.contains("METHOD:PUBLISH"));
    let t = activity_uid(training.id);
    assert_eq!(ics.get(&t, "SUMMARY"), "履职能力培训");
    assert_eq!(ics.get(&t, "STATUS"), "CONFIRMED");
    assert_eq!(ics.get(&t, "SEQUENCE"), "0");
    assert_eq!(
        ics.get(&t, "URL"),
        format!("lvzhi://activities/{}", training.id)
    );
    assert_eq!(
        ics.get(&t, "DTSTART"),
        training
            .starts_at
            .naive_utc()
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
    );
    // Waitlisted: tentative.
    assert_eq!(ics.get(&activity_uid(full.id), "STATUS"), "TENTATIVE");
    let m0 = session_uid(s0);
    assert_eq!(
        ics.get(&m0, "URL"),
        format!("lvzhi://meetings/{}", meeting.id)
    );
    assert_eq!(ics.get(&m0, "LOCATION"), "县政协三楼会议室");
    assert!(
        ics.get(&m0, "SUMMARY")
            .starts_with("七届常委会第十一次会议")
    );
    for prop in ["DTSTAMP", "LAST-MODIFIED"] {
        assert!(ics.get(&m0, prop).ends_with('Z'), "{prop} in UTC");
    }
    // Read again with nothing changed: nothing moves.
    let same = Ics::of(&app, &feed.url).await;
    assert_eq!(same.get(&m0, "SEQUENCE"), "0");
    assert_eq!(
        same.get(&m0, "LAST-MODIFIED"),
        ics.get(&m0, "LAST-MODIFIED")
    );

    // The office moves the first session by a day: same UID, higher SEQUENCE.
    app.clock.advance(chrono::Duration::minutes(5));
    let later = app.clock.now() + chrono::Duration::hours(96);
    let _: Meeting = app
        .call_ok(
            &office,
            Method::PATCH,
            &format!("/meetings/{}", meeting.id),
            Some(json!({"sessions": [{"id": s0, "starts_at": later.to_rfc3339(),
                "ends_at": (later + chrono::Duration::hours(2)).to_rfc3339(), "place": "县会议中心"}]})),
        )
        .await;
    let moved = Ics::of(&app, &feed.url).await;
    assert_eq!(moved.get(&m0, "SEQUENCE"), "1");
    assert_eq!(
        moved.get(&m0, "DTSTART"),
        later.naive_utc().format("%Y%m%dT%H%M%SZ").to_string()
    );
    assert_eq!(moved.get(&m0, "LOCATION"), "县会议中心");
    assert!(moved.get(&m0, "LAST-MODIFIED") > ics.get(&m0, "LAST-MODIFIED"));
    assert_eq!(moved.get(&session_uid(s1), "SEQUENCE"), "0", "untouched");

    // Cancelled: still there, struck out.
    let resp = app
        .api(Method::POST, &format!("/activities/{}/cancel", training.id))
        .bearer_auth(&office)
        .json(&json!({"reason": "场地调整"}))
        .send()
        .await
        .expect("cancel activity");
    assert!(resp.status().is_success());
    let _: Meeting = app
        .call_ok(
            &office,
            Method::POST,
            &format!("/meetings/{}/cancel", meeting.id),
            Some(json!({"reason": "另行通知"})),
        )
        .await;
    let cancelled = Ics::of(&app, &feed.url).await;
    assert_eq!(cancelled.get(&t, "STATUS"), "CANCELLED");
    assert_eq!(cancelled.get(&t, "SEQUENCE"), "1");
    for s in [s0, s1] {
        assert_eq!(cancelled.get(&session_uid(s), "STATUS"), "CANCELLED");
    }
    assert_eq!(cancelled.get(&m0, "SEQUENCE"), "2");
    assert_eq!(cancelled.uids(), want, "cancelled events stay in the feed");

    // Once the member withdraws from the waitlist, that activity leaves the feed.
    let resp = app
        .api(
            Method::DELETE,
            &format!("/activities/{}/signups/me", full.id),
        )
        .bearer_auth(&member.access_token)
        .send()
        .await
        .expect("withdraw");
    assert!(resp.status().is_success());
    let after = Ics::of(&app, &feed.url).await;
    assert!(!after.uids().contains(&activity_uid(full.id)));
}

async fn feeds_are_revocable_private_and_the_committees_is_the_offices(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900094001", None).await;
    let other = app.member_in("13900094002", None).await;
    let mine = app
        .published_activity(&office, json!({"title": "视察饮水工程", "capacity": 5}), 24)
        .await;
    let theirs = app
        .published_activity(&office, json!({"title": "学习培训", "capacity": 5}), 30)
        .await;
    app.sign_up(&member.access_token, mine.id, None).await;
    app.sign_up(&other.access_token, theirs.id, None).await;
    let meeting = app
        .published_meeting(&office, &[member.user.id], "主席会议", &[48])
        .await;

    // The same address on every ask, shown again from what is stored.
    let first = feed_url(&app, &member.access_token, Method::GET, None).await;
    let again = feed_url(&app, &member.access_token, Method::GET, Some("mine")).await;
    assert_eq!(first.url, again.url);
    assert!(first.webcal_url.starts_with("webcal://"));
    // Another member's secret gives nothing of mine.
    let theirs_feed = feed_url(&app, &other.access_token, Method::GET, None).await;
    assert_ne!(theirs_feed.url, first.url);
    let seen = Ics::of(&app, &theirs_feed.url).await;
    assert_eq!(seen.uids(), vec![activity_uid(theirs.id)]);
    for of_mine in [
        mine.id.to_string(),
        meeting.id.to_string(),
        "视察饮水工程".into(),
    ] {
        assert!(!seen.text.contains(&of_mine), "{of_mine} in another's feed");
    }

    // A new address: the old one is gone at once, the new one carries on.
    let fresh = feed_url(&app, &member.access_token, Method::POST, None).await;
    assert_ne!(fresh.url, first.url);
    assert_eq!(
        fetch(&app, &first.url).await.status(),
        StatusCode::NOT_FOUND
    );
    let ics = Ics::of(&app, &fresh.url).await;
    assert!(ics.uids().contains(&activity_uid(mine.id)));
    // Stopped: 404; asking again makes another address.
    let resp = app
        .api(Method::DELETE, "/me/calendar-url")
        .bearer_auth(&member.access_token)
        .send()
        .await
        .expect("revoke");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let gone = fetch(&app, &fresh.url).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let body = gone.text().await.expect("body");
    assert!(!body.contains(fresh.url.rsplit('/').next().expect("file")));
    let third = feed_url(&app, &member.access_token, Method::GET, None).await;
    assert!(third.url != fresh.url && third.url != first.url);
    // Made-up secrets, with or without the suffix, are not found.
    for path in [
        "/calendar/not-a-secret.ics",
        "/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
        "/calendar/x",
    ] {
        let resp = app.raw(Method::GET, path).send().await.expect("guess");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // A disabled account's feed stops.
    let resp = app
        .api(Method::PATCH, &format!("/members/{}", other.user.id))
        .bearer_auth(&office)
        .json(&json!({"status": "disabled"}))
        .send()
        .await
        .expect("disable");
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(
        fetch(&app, &theirs_feed.url).await.status(),
        StatusCode::NOT_FOUND
    );

    // The committee's feed is the office's: every published activity and meeting.
    let refused = app
        .api(Method::GET, "/me/calendar-url?scope=committee")
        .bearer_auth(&member.access_token)
        .send()
        .await
        .expect("member asks");
    lvzhi_tests::expect_error(refused, 403, "forbidden").await;
    let committee = feed_url(&app, &office, Method::GET, Some("committee")).await;
    let all = Ics::of(&app, &committee.url).await;
    let mut want = vec![
        activity_uid(mine.id),
        activity_uid(theirs.id),
        session_uid(meeting.sessions[0].id),
    ];
    want.sort();
    assert_eq!(all.uids(), want);
    let personal = feed_url(&app, &office, Method::GET, None).await;
    assert_ne!(personal.url, committee.url);
    assert!(Ics::of(&app, &personal.url).await.uids().is_empty());
}
