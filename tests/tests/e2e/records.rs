//! Duty records and committee statistics, derived from sign-ups, attendance,
//! findings and outcomes placed in chosen years.

use chrono::{DateTime, Utc};
use lvzhi_shared::activities::{Activity, CommitteeStats, DutyRecord, Finding};
use lvzhi_shared::ids::{FindingId, MemberId};
use lvzhi_shared::members::Role;
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_backends!(
    a_duty_record_adds_up_a_members_year,
    statistics_sum_up_a_small_committee,
);

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid time")
        .with_timezone(&Utc)
}

async fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.api(Method::GET, path)
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

async fn record(app: &TestApp, token: &str, year: Option<i32>) -> DutyRecord {
    let path = match year {
        Some(y) => format!("/me/record?year={y}"),
        None => "/me/record".to_owned(),
    };
    json_ok(get(app, token, &path).await).await
}

async fn stats(app: &TestApp, token: &str, year: Option<i32>) -> CommitteeStats {
    let path = match year {
        Some(y) => format!("/stats?year={y}"),
        None => "/stats".to_owned(),
    };
    json_ok(get(app, token, &path).await).await
}

async fn signed_up(app: &TestApp, token: &str, activity: &Activity) {
    let r = app.sign_up(token, &activity.id, None).await;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert!(status.is_success(), "sign up: {text}");
    assert!(text.contains("\"registered\""), "sign up: {text}");
}

/// The office puts a member on the roster (no sign-up window applies).
async fn rostered(app: &TestApp, office: &str, activity: &Activity, member_id: &MemberId) {
    let r = app
        .api(Method::POST, &format!("/activities/{}/roster", activity.id))
        .bearer_auth(office)
        .json(&json!({"member_id": member_id}))
        .send()
        .await
        .expect("roster add");
    let _: Value = json_ok(r).await;
}

async fn mark(app: &TestApp, office: &str, activity: &Activity, entries: &[(&MemberId, &str)]) {
    let entries: Vec<Value> = entries
        .iter()
        .map(|(member, attendance)| json!({"member_id": member, "attendance": attendance}))
        .collect();
    let r = app
        .api(
            Method::PUT,
            &format!("/activities/{}/attendance", activity.id),
        )
        .bearer_auth(office)
        .json(&json!({ "entries": entries }))
        .send()
        .await
        .expect("attendance");
    let _: Value = json_ok(r).await;
}

async fn cancel(app: &TestApp, office: &str, activity: &Activity) {
    let r = app
        .api(Method::POST, &format!("/activities/{}/cancel", activity.id))
        .bearer_auth(office)
        .json(&json!({}))
        .send()
        .await
        .expect("cancel");
    let _: Value = json_ok(r).await;
}

async fn finding(app: &TestApp, token: &str, activity: &Activity, title: &str) -> Finding {
    let r = app
        .api(
            Method::POST,
            &format!("/activities/{}/findings", activity.id),
        )
        .bearer_auth(token)
        .json(&json!({"title": title, "content": "具体情况和建议。"}))
        .send()
        .await
        .expect("finding");
    json_ok(r).await
}

async fn move_finding(app: &TestApp, office: &str, id: &FindingId, body: Value) {
    let r = app
        .api(Method::PATCH, &format!("/findings/{id}"))
        .bearer_auth(office)
        .json(&body)
        .send()
        .await
        .expect("move finding");
    let _: Finding = json_ok(r).await;
}

/// A training (or other kind) at explicit local times.
fn at_times(mut body: Value, starts: &str, ends: &str) -> Value {
    body["starts_at"] = json!(starts);
    body["ends_at"] = json!(ends);
    body
}

async fn a_duty_record_adds_up_a_members_year(b: Backend) {
    let app = TestApp::spawn(b).await;
    // 08:00 on 1 March 2031 in Shanghai, the committee's zone.
    app.clock.set(at("2031-03-01T00:00:00Z"));
    let office = app.admin().await.access_token;
    let member = app.account(Role::Member, "13900035001").await;
    let idle = app.account(Role::Member, "13900035002").await;
    let me = &member.user.id;
    let training = |hours: f64| json!({"kind": "training", "study_hours": hours});

    // This year, signed up the usual way before they start.
    let t1 = app.published_activity(&office, training(2.5), 2).await;
    let t2 = app.published_activity(&office, training(1.5), 5).await;
    let absent = app.published_activity(&office, training(4.0), 8).await;
    let excused = app.published_activity(&office, training(3.0), 11).await;
    let outreach = app
        .published_activity(&office, json!({"kind": "outreach", "theme": "health"}), 14)
        .await;
    let trip = app
        .published_activity(&office, json!({"kind": "inspection"}), 17)
        .await;
    let called_off = app.published_activity(&office, training(7.0), 20).await;
    let unmarked = app.published_activity(&office, training(6.0), 23).await;
    for a in [
        &t1,
        &t2,
        &absent,
        &excused,
        &outreach,
        &trip,
        &called_off,
        &unmarked,
    ] {
        signed_up(&app, &member.access_token, a).await;
    }
    // 01:00 on New Year's Day in Shanghai is still 2030 in UTC: it counts for 2031.
    let new_year = app
        .published_activity(
            &office,
            at_times(
                training(0.5),
                "2031-01-01T01:00:00+08:00",
                "2031-01-01T03:00:00+08:00",
            ),
            0,
        )
        .await;
    // 23:00 on New Year's Eve in Shanghai: 2030.
    let last_year = app
        .published_activity(
            &office,
            at_times(
                training(10.0),
                "2030-12-31T23:00:00+08:00",
                "2031-01-01T00:30:00+08:00",
            ),
            0,
        )
        .await;
    let last_year_trip = app
        .published_activity(
            &office,
            at_times(
                json!({"kind": "inspection"}),
                "2030-06-01T09:00:00+08:00",
                "2030-06-01T17:00:00+08:00",
            ),
            0,
        )
        .await;
    for a in [&new_year, &last_year, &last_year_trip] {
        rostered(&app, &office, a, me).await;
    }

    // Two findings this year, one of them adopted; one last year.
    let adopted = finding(&app, &member.access_token, &trip, "河道垃圾清理不及时").await;
    let pending = finding(&app, &member.access_token, &trip, "护栏缺失").await;
    finding(&app, &member.access_token, &last_year_trip, "去年的建议").await;
    for f in [&adopted, &pending] {
        move_finding(
            &app,
            &office,
            &f.id,
            json!({"status": "forwarded", "department": "县水利局"}),
        )
        .await;
    }
    move_finding(
        &app,
        &office,
        &adopted.id,
        json!({"status": "adopted", "response": "已安排专人定期清理。"}),
    )
    .await;

    // After the day, the office records who came.
    app.clock.advance(chrono::Duration::hours(30));
    let office = app.admin().await.access_token;
    let member = app.sign_in_again(&member).await;
    let idle = app.sign_in_again(&idle).await;
    for (a, attendance) in [
        (&t1, "attended"),
        (&t2, "attended"),
        (&absent, "absent"),
        (&excused, "excused"),
        (&outreach, "attended"),
        (&trip, "attended"),
        (&called_off, "attended"),
        (&new_year, "attended"),
        (&last_year, "attended"),
    ] {
        mark(&app, &office, a, &[(me, attendance)]).await;
    }
    // A cancelled activity does not count, whatever was marked.
    cancel(&app, &office, &called_off).await;

    let this_year = DutyRecord {
        year: 2031,
        study_hours: 4.5,
        trainings_attended: 3,
        outreach_joined: 1,
        inspections_joined: 1,
        findings_submitted: 2,
        findings_adopted: 1,
        attendance_recorded: 7,
        attended: 5,
        attendance_rate: 5.0 / 7.0,
        meeting_sessions: 0,
        meeting_sessions_present: 0,
        meeting_sessions_excused: 0,
        meeting_sessions_absent: 0,
        appraisals_voted: 0,
    };
    assert_eq!(
        record(&app, &member.access_token, Some(2031)).await,
        this_year
    );
    // Without a year: the current one in the committee's zone.
    assert_eq!(record(&app, &member.access_token, None).await, this_year);
    assert_eq!(
        record(&app, &member.access_token, Some(2030)).await,
        DutyRecord {
            year: 2030,
            study_hours: 10.0,
            trainings_attended: 1,
            outreach_joined: 0,
            inspections_joined: 0,
            findings_submitted: 1,
            findings_adopted: 0,
            attendance_recorded: 1,
            attended: 1,
            attendance_rate: 1.0,
            meeting_sessions: 0,
            meeting_sessions_present: 0,
            meeting_sessions_excused: 0,
            meeting_sessions_absent: 0,
            appraisals_voted: 0,
        }
    );
    let nothing = |year| DutyRecord {
        year,
        study_hours: 0.0,
        trainings_attended: 0,
        outreach_joined: 0,
        inspections_joined: 0,
        findings_submitted: 0,
        findings_adopted: 0,
        attendance_recorded: 0,
        attended: 0,
        attendance_rate: 0.0,
        meeting_sessions: 0,
        meeting_sessions_present: 0,
        meeting_sessions_excused: 0,
        meeting_sessions_absent: 0,
        appraisals_voted: 0,
    };
    assert_eq!(record(&app, &idle.access_token, None).await, nothing(2031));
    assert_eq!(
        record(&app, &member.access_token, Some(2000)).await,
        nothing(2000)
    );
    assert_eq!(
        record(&app, &member.access_token, Some(2100)).await,
        nothing(2100)
    );

    // 01:00 on 1 January 2032 in Shanghai, still 2031 in UTC: the default year is 2032.
    app.clock.set(at("2031-12-31T17:00:00Z"));
    let member = app.sign_in_again(&member).await;
    assert_eq!(
        record(&app, &member.access_token, None).await,
        nothing(2032)
    );

    for bad in ["1999", "2101", "last", "2031.5"] {
        let r = get(
            &app,
            &member.access_token,
            &format!("/me/record?year={bad}"),
        )
        .await;
        let e = expect_error(r, 400, "invalid_parameter").await;
        assert_eq!(e.field.as_deref(), Some("year"), "year={bad}");
    }
    let r = app
        .api(Method::GET, "/me/record")
        .send()
        .await
        .expect("anonymous");
    expect_error(r, 401, "unauthorized").await;
}

async fn statistics_sum_up_a_small_committee(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(at("2032-03-01T00:00:00Z"));
    let office = app
        .account(Role::Organizer, "13900036000")
        .await
        .access_token;
    let admin = app.admin().await.access_token;
    let a = app.member_in("13900036001", Some("科技界")).await;
    let bb = app.member_in("13900036002", Some("科技界")).await;
    let c = app.member_in("13900036003", Some("医药卫生界")).await;
    let d = app.member_in("13900036004", None).await;
    let _e = app.member_in("13900036005", Some("农业界")).await;
    let gone = app.member_in("13900036006", Some("科技界")).await;
    let r = app
        .api(Method::PATCH, &format!("/members/{}", gone.user.id))
        .bearer_auth(&admin)
        .json(&json!({"status": "disabled"}))
        .send()
        .await
        .expect("disable");
    let _: Value = json_ok(r).await;

    let t1 = app
        .published_activity(&office, json!({"kind": "training"}), 2)
        .await;
    let t2 = app
        .published_activity(&office, json!({"kind": "training"}), 5)
        .await;
    let o1 = app
        .published_activity(&office, json!({"kind": "outreach", "theme": "health"}), 8)
        .await;
    let o2 = app
        .published_activity(&office, json!({"kind": "outreach", "theme": "culture"}), 11)
        .await;
    let i1 = app
        .published_activity(&office, json!({"kind": "inspection"}), 14)
        .await;
    let called_off = app
        .published_activity(&office, json!({"kind": "training"}), 17)
        .await;
    // A draft is not counted.
    app.create_activity(
        &office,
        json!({
            "kind": "training", "title": "草稿", "capacity": 5,
            "starts_at": "2032-05-01T09:00:00+08:00", "ends_at": "2032-05-01T11:00:00+08:00",
        }),
    )
    .await;
    // Last year's outreach, with its outcome and one attendance.
    let last_year = app
        .published_activity(
            &office,
            at_times(
                json!({"kind": "outreach", "theme": "science_technology"}),
                "2031-11-01T09:00:00+08:00",
                "2031-11-01T17:00:00+08:00",
            ),
            0,
        )
        .await;
    rostered(&app, &office, &last_year, &a.user.id).await;

    for (m, list) in [
        (&a, vec![&t1, &t2, &o2, &called_off]),
        (&bb, vec![&t1, &i1]),
        (&c, vec![&t1, &o1]),
        (&d, vec![&o1]),
    ] {
        for act in list {
            signed_up(&app, &m.access_token, act).await;
        }
    }
    let outcome = |people: i32, consultations: i32, materials: i32, yuan: f64| {
        json!({
            "people_served": people,
            "consultations": consultations,
            "materials_distributed": materials,
            "donated_value_yuan": yuan,
            "photo_urls": ["https://img.example.cn/1.jpg"],
            "notes": "记录",
        })
    };
    for (act, body) in [
        (&o1, outcome(120, 30, 200, 1500.5)),
        (&o2, outcome(80, 10, 50, 499.5)),
        (&last_year, outcome(1000, 1, 1, 1.0)),
    ] {
        let r = app
            .api(Method::PUT, &format!("/activities/{}/outcome", act.id))
            .bearer_auth(&office)
            .json(&body)
            .send()
            .await
            .expect("outcome");
        let _: Value = json_ok(r).await;
    }

    app.clock.advance(chrono::Duration::hours(24));
    let (ia, ib, ic, id) = (&a.user.id, &bb.user.id, &c.user.id, &d.user.id);
    mark(
        &app,
        &office,
        &t1,
        &[(ia, "attended"), (ib, "absent"), (ic, "attended")],
    )
    .await;
    mark(&app, &office, &t2, &[(ia, "attended")]).await;
    mark(&app, &office, &o1, &[(ic, "attended"), (id, "attended")]).await;
    mark(&app, &office, &o2, &[(ia, "attended")]).await;
    mark(&app, &office, &called_off, &[(ia, "attended")]).await;
    mark(&app, &office, &last_year, &[(ia, "attended")]).await;
    cancel(&app, &office, &called_off).await;

    let kinds = |s: &CommitteeStats| -> Vec<(String, i32, i32)> {
        s.by_kind
            .iter()
            .map(|k| (k.kind.as_str().to_owned(), k.activities, k.participants))
            .collect()
    };
    let sector = |s: &CommitteeStats, name: &str| -> (i32, i32, i32) {
        let p = s
            .by_sector
            .iter()
            .find(|p| p.sector == name)
            .unwrap_or_else(|| panic!("sector {name} missing"));
        (p.members, p.participants, p.attendances)
    };
    let totals = |s: &CommitteeStats| {
        let t = &s.outreach_totals;
        (
            t.people_served,
            t.consultations,
            t.materials_distributed,
            t.donated_value_yuan,
            t.notes.clone(),
            t.photo_urls.len(),
        )
    };

    let year = stats(&app, &office, Some(2032)).await;
    assert_eq!(year.year, 2032);
    assert_eq!(
        kinds(&year),
        vec![
            ("training".to_owned(), 2, 3),
            ("outreach".to_owned(), 2, 3),
            ("inspection".to_owned(), 1, 0),
        ]
    );
    assert_eq!(sector(&year, "科技界"), (2, 1, 3));
    assert_eq!(sector(&year, "医药卫生界"), (1, 1, 2));
    assert_eq!(sector(&year, "农业界"), (1, 0, 0));
    for p in &year.by_sector {
        if !["科技界", "医药卫生界", "农业界"].contains(&p.sector.as_str()) {
            assert_eq!(
                (p.members, p.participants, p.attendances),
                (0, 0, 0),
                "{}",
                p.sector
            );
        }
    }
    assert_eq!(totals(&year), (200, 40, 250, 2000.0, String::new(), 0));
    // Without a year: this year in the committee's zone; admins see the same.
    let default = stats(&app, &admin, None).await;
    assert_eq!(default.year, 2032);
    assert_eq!(kinds(&default), kinds(&year));
    assert_eq!(totals(&default), totals(&year));

    let last = stats(&app, &office, Some(2031)).await;
    assert_eq!(
        kinds(&last),
        vec![
            ("training".to_owned(), 0, 0),
            ("outreach".to_owned(), 1, 1),
            ("inspection".to_owned(), 0, 0),
        ]
    );
    assert_eq!(sector(&last, "科技界"), (2, 1, 1));
    assert_eq!(sector(&last, "医药卫生界"), (1, 0, 0));
    assert_eq!(totals(&last), (1000, 1, 1, 1.0, String::new(), 0));

    // Members may not; another committee sees only its own (empty) year.
    let r = get(&app, &a.access_token, "/stats").await;
    expect_error(r, 403, "forbidden").await;
    let stranger = app
        .other_committee_organizer("13900036007")
        .await
        .access_token;
    let theirs = stats(&app, &stranger, Some(2032)).await;
    assert_eq!(
        kinds(&theirs),
        vec![
            ("training".to_owned(), 0, 0),
            ("outreach".to_owned(), 0, 0),
            ("inspection".to_owned(), 0, 0),
        ]
    );
    let names: Vec<&str> = theirs.by_sector.iter().map(|p| p.sector.as_str()).collect();
    assert_eq!(names, vec!["科技界"]);
    assert_eq!(sector(&theirs, "科技界"), (0, 0, 0));
    assert_eq!(totals(&theirs), (0, 0, 0, 0.0, String::new(), 0));
    // No outcomes sum to 0, not the -0 an empty float sum gives.
    assert!(theirs.outreach_totals.donated_value_yuan.is_sign_positive());
    let r = get(&app, &office, "/stats?year=1999").await;
    let e = expect_error(r, 400, "invalid_parameter").await;
    assert_eq!(e.field.as_deref(), Some("year"));

    // The members' own records agree.
    let ra = record(&app, &a.access_token, Some(2032)).await;
    assert_eq!(
        (ra.trainings_attended, ra.outreach_joined, ra.attended),
        (2, 1, 3)
    );
    let rb = record(&app, &bb.access_token, Some(2032)).await;
    assert_eq!(
        (rb.attendance_recorded, rb.attended, rb.attendance_rate),
        (1, 0, 0.0)
    );
}
