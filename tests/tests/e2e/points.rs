//! The duty record with points through the HTTP API on both backends.
//!
//! A whole year of a 300-member committee: trainings by the hour, outreach,
//! inspections and adopted findings, a two-session meeting with leave and
//! check-ins, an appraisal round, co-written reports accepted, adopted and
//! instructed, the office's manual entries; rules with caps and a first
//! author's share. The totals, grades and places the server computes — live
//! and at the close — equal the ones this file computes from the events it
//! made. Then the frozen record stays put, disputes run their course, and
//! bad input is refused with its code, storing nothing.

// Who did what is chosen by remainders (every fifth, every fifteenth …),
// which read plainer as `%` than as `is_multiple_of`.
#![allow(clippy::manual_is_multiple_of)]

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use lvzhi_server::clock::Clock;
use lvzhi_shared::activities::{Activity, CheckinCode, Finding};
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::meetings::Appraisal;
use lvzhi_shared::notifications::{NotificationKind, NotificationPage};
use lvzhi_shared::points::{
    DisputeStatus, PointsDispute, PointsDisputeList, PointsEntry, PointsEntryList, PointsEvent,
    PointsGrade, PointsRecord, PointsSummary, PointsYear, PointsYearStatus,
};
use lvzhi_shared::reports::Report;
use lvzhi_tests::{Backend, QuickMember, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_backends!(
    a_year_of_three_hundred_members_adds_up_exactly,
    the_frozen_record_stays_and_disputes_run_their_course,
    bad_points_input_is_refused_and_stores_nothing
);

const YEAR: i32 = 2031;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid time")
        .with_timezone(&Utc)
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app.api(method, path).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("request")
}

async fn ok<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> T {
    let r = send(app, token, method.clone(), path, body).await;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// Runs `calls` 16 at a time, each expected to succeed.
async fn all_ok(calls: Vec<(String, Method, String, Option<Value>)>, app: &TestApp) {
    for chunk in calls.chunks(16) {
        let answers = join_all(chunk.iter().map(|(token, method, path, body)| {
            send(app, token, method.clone(), path, body.clone())
        }))
        .await;
        for (r, (_, method, path, _)) in answers.into_iter().zip(chunk) {
            let status = r.status();
            assert!(
                status.is_success(),
                "{method} {path}: {status} {}",
                r.text().await.unwrap_or_default()
            );
        }
    }
}

/// Hundredths of a point from the wire.
fn h(points: f64) -> i64 {
    (points * 100.0).round() as i64
}

/// The year's rules: odd numbers, so shares and hours round; caps low
/// enough that busy members hit them.
fn rules() -> Value {
    json!({
        "rules": [
            {"event": "training_hour", "points": 2.0},
            {"event": "outreach_joined", "points": 5.0},
            {"event": "inspection_joined", "points": 4.5},
            {"event": "finding_adopted", "points": 3.25},
            {"event": "meeting_present", "points": 3.0},
            {"event": "meeting_absent", "points": 4.0},
            {"event": "appraisal_voted", "points": 2.0},
            {"event": "report_submitted", "points": 2.5},
            {"event": "report_adopted_city", "points": 6.0},
            {"event": "report_adopted_provincial", "points": 10.0},
            {"event": "report_instructed", "points": 7.33},
            {"event": "plenary_speech", "points": 5.0},
            {"event": "proposal", "points": 4.0},
            {"event": "article_city", "points": 2.5},
            {"event": "other_duty", "points": 1.1}
        ],
        "caps": [
            {"category": "study", "cap": 12.0},
            {"category": "activities", "cap": 15.0},
            {"category": "meetings", "cap": 10.0},
            {"category": "reports", "cap": 20.0},
            {"category": "proposals", "cap": 8.0}
        ],
        "first_author_percent": 70,
        "excellent_from": 30.0,
        "qualified_from": 15.0,
        "dispute_days": 15
    })
}

/// The independent computation: what each member earned, by category.
#[derive(Default)]
struct Ledger {
    /// member index → (category, hundredths) per line.
    lines: HashMap<usize, Vec<(&'static str, i64)>>,
}

impl Ledger {
    fn add(&mut self, member: usize, category: &'static str, points: i64) {
        if points != 0 {
            self.lines
                .entry(member)
                .or_default()
                .push((category, points));
        }
    }

    /// A report's `points` shared by `credited` (first author first) at 70%.
    fn shared(&mut self, credited: &[usize], points: i64) {
        let n = credited.len() as i64;
        if n == 1 {
            self.add(credited[0], "reports", points);
            return;
        }
        let other = points * 30 / (100 * (n - 1));
        self.add(credited[0], "reports", points - (n - 1) * other);
        for m in &credited[1..] {
            self.add(*m, "reports", other);
        }
    }

    fn total(&self, member: usize) -> i64 {
        let caps: HashMap<&str, i64> = [
            ("study", 1200),
            ("activities", 1500),
            ("meetings", 1000),
            ("reports", 2000),
            ("proposals", 800),
        ]
        .into_iter()
        .collect();
        let mut by: HashMap<&str, i64> = HashMap::new();
        for (c, p) in self.lines.get(&member).into_iter().flatten() {
            *by.entry(c).or_default() += p;
        }
        by.iter()
            .map(|(c, sum)| caps.get(c).map_or(*sum, |cap| (*sum).min(*cap)))
            .sum()
    }

    fn line_count(&self, member: usize) -> usize {
        self.lines.get(&member).map_or(0, Vec::len)
    }
}

fn grade(total: i64) -> PointsGrade {
    if total >= 3000 {
        PointsGrade::Excellent
    } else if total < 1500 {
        PointsGrade::Unqualified
    } else {
        PointsGrade::Qualified
    }
}

/// Places by total, equal totals sharing one.
fn places(totals: &[i64]) -> Vec<i32> {
    totals
        .iter()
        .map(|t| 1 + totals.iter().filter(|o| *o > t).count() as i32)
        .collect()
}

fn assert_summary(summary: &PointsSummary, members: &[QuickMember], ledger: &Ledger) {
    let totals: Vec<i64> = (0..members.len()).map(|i| ledger.total(i)).collect();
    let expected_places = places(&totals);
    assert_eq!(summary.items.len(), members.len());
    let by_id: HashMap<MemberId, &lvzhi_shared::points::PointsStanding> =
        summary.items.iter().map(|s| (s.member_id, s)).collect();
    for (i, m) in members.iter().enumerate() {
        let s = by_id[&m.id];
        assert_eq!(h(s.total), totals[i], "member {i}'s total");
        assert_eq!(s.grade, grade(totals[i]), "member {i}'s grade");
        assert_eq!(s.rank, expected_places[i], "member {i}'s place");
    }
    let count = |g| totals.iter().filter(|t| grade(**t) == g).count() as i32;
    assert_eq!(summary.excellent, count(PointsGrade::Excellent));
    assert_eq!(summary.unqualified, count(PointsGrade::Unqualified));
    // Something in each grade: the year exercises the thresholds.
    assert!(summary.excellent > 0 && summary.qualified > 0 && summary.unqualified > 0);
}

async fn a_year_of_three_hundred_members_adds_up_exactly(b: Backend) {
    let app = TestApp::spawn(b).await;
    // 08:00 on 1 March 2031 in Shanghai, the committee's zone.
    app.clock.set(at("2031-03-01T00:00:00Z"));
    let office = app.admin().await.access_token;
    let mut members = app.quick_members("13900151", 300).await;
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let n = members.len();
    let mut ledger = Ledger::default();
    let set: PointsYear = ok(
        &app,
        &office,
        Method::PUT,
        &format!("/points/years/{YEAR}/rules"),
        Some(rules()),
    )
    .await;
    assert!(set.customized);
    assert_eq!(set.rules.first_author_percent, 70);

    // Eight activities; member i is on activity j's roster unless (i + j) % 3 == 0.
    let hours = [1.5, 2.25, 3.0, 0.75];
    let mut activities: Vec<Activity> = Vec::new();
    for (j, kind) in [
        "training",
        "training",
        "training",
        "training",
        "outreach",
        "outreach",
        "inspection",
        "inspection",
    ]
    .iter()
    .enumerate()
    {
        let mut body = json!({"kind": kind, "capacity": 300, "title": format!("活动{j}")});
        if j < 4 {
            body["study_hours"] = json!(hours[j]);
        }
        if *kind == "outreach" {
            body["theme"] = json!("health");
        }
        activities.push(app.published_activity(&office, body, 2 + j as i64).await);
    }
    let on_roster = |i: usize, j: usize| (i + j) % 3 != 0;
    let attended = |i: usize, j: usize| on_roster(i, j) && (i * 7 + j) % 4 != 0;
    let mut calls = Vec::new();
    for (j, a) in activities.iter().enumerate() {
        for i in (0..n).filter(|i| on_roster(*i, j)) {
            calls.push((
                office.clone(),
                Method::POST,
                format!("/activities/{}/roster", a.id),
                Some(json!({"member_id": ids[i]})),
            ));
        }
    }
    all_ok(calls, &app).await;
    // Findings from the inspections: every tenth member on the roster files one,
    // every twentieth's is adopted.
    let mut adopted_findings = Vec::new();
    for j in [6, 7] {
        for i in (0..n).filter(|i| i % 10 == 0 && on_roster(*i, j)) {
            let f: Finding = ok(
                &app,
                &members[i].token,
                Method::POST,
                &format!("/activities/{}/findings", activities[j].id),
                Some(json!({"title": format!("意见{i}-{j}"), "content": "具体情况和建议。"})),
            )
            .await;
            if i % 20 == 0 {
                adopted_findings.push((i, f.id));
            }
        }
    }
    for (i, id) in &adopted_findings {
        for body in [
            json!({"status": "forwarded", "department": "县水利局"}),
            json!({"status": "adopted", "response": "已采纳。"}),
        ] {
            let _: Finding = ok(
                &app,
                &office,
                Method::PATCH,
                &format!("/findings/{id}"),
                Some(body),
            )
            .await;
        }
        ledger.add(*i, "activities", 325);
    }
    app.clock.advance(Duration::hours(24));
    let office = app.admin().await.access_token;
    app.renew(&mut members).await;
    for (j, a) in activities.iter().enumerate() {
        let entries: Vec<Value> = (0..n)
            .filter(|i| on_roster(*i, j))
            .map(|i| json!({"member_id": ids[i], "attendance": if attended(i, j) {"attended"} else {"absent"}}))
            .collect();
        let _: Value = ok(
            &app,
            &office,
            Method::PUT,
            &format!("/activities/{}/attendance", a.id),
            Some(json!({"entries": entries})),
        )
        .await;
        for i in (0..n).filter(|i| attended(*i, j)) {
            let (category, points) = match j {
                0..=3 => ("study", (200 * (hours[j] * 100.0) as i64 + 50) / 100),
                4 | 5 => ("activities", 500),
                _ => ("activities", 450),
            };
            ledger.add(i, category, points);
        }
    }

    // A two-session meeting of everyone; the office records leave for every
    // fifteenth member; an appraisal round of the body at the same meeting.
    let meeting = app
        .published_meeting(&office, &ids, "2031年第一次常委会议", &[48, 50])
        .await;
    for i in (0..n).filter(|i| i % 15 == 0) {
        let _: Value = ok(
            &app,
            &office,
            Method::POST,
            &format!("/meetings/{}/leave-requests", meeting.id),
            Some(json!({"member_id": ids[i], "reason": "外出学习"})),
        )
        .await;
    }
    let created = send(&app, &office, Method::POST, "/appraisals", Some(json!({
        "meeting_id": meeting.id, "title": "2031年度部门民主评议", "departments": ["县教育局", "县卫健局"], "electorate": "body",
    }))).await;
    assert_eq!(
        created.status(),
        201,
        "{}",
        created.text().await.unwrap_or_default()
    );
    let round: Appraisal = created.json().await.expect("round");
    let round: Appraisal = ok(
        &app,
        &office,
        Method::POST,
        &format!("/appraisals/{}/open", round.id),
        None,
    )
    .await;
    let checked_in: [fn(usize) -> bool; 2] = [|i| i % 5 != 0, |i| i % 3 != 0];
    for (s, session) in meeting.sessions.iter().enumerate() {
        app.clock
            .set(session.starts_at.with_timezone(&Utc) + Duration::minutes(10));
        let office = app.admin().await.access_token;
        app.renew(&mut members).await;
        let code: CheckinCode = ok(
            &app,
            &office,
            Method::GET,
            &format!(
                "/meetings/{}/sessions/{}/checkin-code",
                meeting.id, session.id
            ),
            None,
        )
        .await;
        let calls = (0..n)
            .filter(|i| checked_in[s](*i))
            .map(|i| {
                (
                    members[i].token.clone(),
                    Method::POST,
                    format!("/meetings/{}/sessions/{}/checkins", meeting.id, session.id),
                    Some(json!({"code": code.code})),
                )
            })
            .collect();
        all_ok(calls, &app).await;
        for i in 0..n {
            if checked_in[s](i) {
                ledger.add(i, "meetings", 300);
            } else if i % 15 != 0 {
                ledger.add(i, "meetings", -400);
            }
        }
    }
    let ballot: Vec<Value> = round
        .departments
        .iter()
        .map(|d| json!({"department_id": d.id, "rating": "satisfied"}))
        .collect();
    let calls = (0..n)
        .filter(|i| i % 4 == 0)
        .map(|i| {
            (
                members[i].token.clone(),
                Method::POST,
                format!("/appraisals/{}/ballots", round.id),
                Some(json!({"answers": ballot})),
            )
        })
        .collect();
    all_ok(calls, &app).await;
    for i in (0..n).filter(|i| i % 4 == 0) {
        ledger.add(i, "meetings", 200);
    }
    app.clock
        .set(meeting.sessions[1].ends_at.with_timezone(&Utc) + Duration::hours(3));
    let office = app.admin().await.access_token;
    app.renew(&mut members).await;
    let _: Appraisal = ok(
        &app,
        &office,
        Method::POST,
        &format!("/appraisals/{}/close", round.id),
        None,
    )
    .await;

    // Thirty reports: some with two co-signers (one confirms, the other declines or never answers),
    // some with one, some alone; every fifth rejected; the even accepted
    // ones forwarded outside and adopted, every eighth with a 批示.
    let today = app.clock.now().date_naive().to_string();
    for r in 0..30usize {
        let author = (r * 7) % n;
        let named: Vec<usize> = match r % 3 {
            0 => vec![(author + 1) % n, (author + 2) % n],
            1 => vec![(author + 1) % n],
            _ => vec![],
        };
        let report: Report = ok(&app, &members[author].token, Method::POST, "/reports", Some(json!({
            "title": format!("关于第{r}件事的建议"), "body": "情况、问题和建议。", "category": "livelihood",
            "cosigner_ids": named.iter().map(|m| ids[*m]).collect::<Vec<_>>(),
        }))).await;
        let _: Report = ok(
            &app,
            &members[author].token,
            Method::POST,
            &format!("/reports/{}/submit", report.id),
            None,
        )
        .await;
        let mut credited = vec![author];
        // The first co-signer confirms; a second declines on odd reports and
        // never answers on even ones: credited neither way.
        for (k, m) in named.iter().enumerate() {
            if k == 1 && r % 2 == 0 {
                continue;
            }
            let answer: Report = ok(
                &app,
                &members[*m].token,
                Method::POST,
                &format!("/reports/{}/cosign", report.id),
                Some(json!({"confirm": k == 0})),
            )
            .await;
            if k == 0 {
                credited.push(*m);
            } else {
                assert!(
                    answer.credits.iter().all(|c| c.member_id != ids[*m]),
                    "a decliner's name is off"
                );
            }
        }
        if r % 5 == 4 {
            let _: Report = ok(
                &app,
                &office,
                Method::POST,
                &format!("/reports/{}/reject", report.id),
                Some(json!({"comment": "与已有信息重复"})),
            )
            .await;
            continue;
        }
        let _: Report = ok(
            &app,
            &office,
            Method::POST,
            &format!("/reports/{}/accept", report.id),
            Some(json!({})),
        )
        .await;
        ledger.shared(&credited, 250);
        if r % 2 == 0 {
            let _: Report = ok(
                &app,
                &office,
                Method::POST,
                &format!("/reports/{}/forward", report.id),
                Some(json!({"target": "outside", "outside_name": "市委办公室"})),
            )
            .await;
            let level = if r % 4 == 0 { "city" } else { "provincial" };
            let _: Report = ok(
                &app,
                &office,
                Method::POST,
                &format!("/reports/{}/adoptions", report.id),
                Some(json!({"level": level, "adopted_on": today, "adopted_by": "市委办公室"})),
            )
            .await;
            ledger.shared(&credited, if level == "city" { 600 } else { 1000 });
            if r % 8 == 0 {
                let _: Report = ok(&app, &office, Method::POST, &format!("/reports/{}/instructions", report.id), Some(json!({"leader": "市长 某某", "level": "city", "given_on": today, "text": "请研究办理。"}))).await;
                ledger.shared(&credited, 733);
            }
        }
    }

    // The office's manual entries.
    let manual: [(&str, usize, i64, &'static str); 4] = [
        ("plenary_speech", 6, 500, "proposals"),
        ("proposal", 9, 400, "proposals"),
        ("article_city", 11, 250, "publicity"),
        ("other_duty", 13, 110, "other"),
    ];
    let mut calls = Vec::new();
    for (event, every, points, category) in manual {
        for i in (0..n).filter(|i| i % every == 0) {
            calls.push((office.clone(), Method::POST, "/points/entries".to_owned(), Some(json!({
                "member_id": ids[i], "event": event, "evidence": format!("{event}第{i}号"), "occurred_on": "2031-03-02",
            }))));
            ledger.add(i, category, points);
        }
    }
    all_ok(calls, &app).await;

    // Live: the summary and a record equal the independent computation.
    let live: PointsSummary = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/summary?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(live.status, PointsYearStatus::Open);
    assert_summary(&live, &members, &ledger);
    let busy = 0; // on five rosters, findings, a report, every manual entry
    let record: PointsRecord = ok(
        &app,
        &members[busy].token,
        Method::GET,
        &format!("/me/points?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(record.lines.len(), ledger.line_count(busy));
    assert_eq!(h(record.total), ledger.total(busy));
    assert_eq!(record.rank, None, "places come with the close");
    assert!(
        record.categories.iter().any(|c| c.counted < c.earned),
        "a cap held: {:?}",
        record.categories
    );

    // Closed: frozen with the same totals, grades and places.
    let closed: PointsYear = ok(
        &app,
        &office,
        Method::POST,
        &format!("/points/years/{YEAR}/close"),
        None,
    )
    .await;
    assert_eq!(closed.status, PointsYearStatus::Closed);
    let frozen: PointsSummary = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/summary?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(frozen.status, PointsYearStatus::Closed);
    assert_summary(&frozen, &members, &ledger);
    let record: PointsRecord = ok(
        &app,
        &members[busy].token,
        Method::GET,
        &format!("/me/points?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(h(record.total), ledger.total(busy));
    assert_eq!(record.ranked_of, Some(n as i32));
    assert!(record.rank.is_some());

    // A later change to what Lvzhi holds leaves the frozen record alone.
    let someone = (0..n)
        .find(|i| on_roster(*i, 0) && !attended(*i, 0))
        .expect("an absentee");
    let _: Value = ok(
        &app,
        &office,
        Method::PUT,
        &format!("/activities/{}/attendance", activities[0].id),
        Some(json!({"entries": [{"member_id": ids[someone], "attendance": "attended"}]})),
    )
    .await;
    let after: PointsSummary = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/summary?year={YEAR}"),
        None,
    )
    .await;
    assert_summary(&after, &members, &ledger);
}

async fn the_frozen_record_stays_and_disputes_run_their_course(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(at("2031-06-01T02:00:00Z"));
    let office = app.admin().await.access_token;
    let mut members = app.quick_members("13900152", 3).await;
    let (a, b2, c) = (members[0].id, members[1].id, members[2].id);
    for (m, event, evidence) in [
        (a, "proposal", "提案第12号"),
        (a, "plenary_speech", "全会发言：乡村医生队伍建设"),
        (b2, "proposal", "提案第13号"),
        (c, "article_city", "《青山日报》2031年5月"),
    ] {
        let r = send(
            &app,
            &office,
            Method::POST,
            "/points/entries",
            Some(json!({
                "member_id": m, "event": event, "evidence": evidence, "occurred_on": "2031-05-20",
            })),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    // While open, a member disputes a line any time; asking twice files once.
    let record: PointsRecord = ok(
        &app,
        &members[0].token,
        Method::GET,
        &format!("/me/points?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(h(record.total), 900, "the defaults: proposal 4 + speech 5");
    let line = record
        .lines
        .iter()
        .find(|l| l.event == PointsEvent::Proposal)
        .expect("the proposal's line")
        .key
        .clone();
    let first: PointsDispute = json_ok(
        send(
            &app,
            &members[0].token,
            Method::POST,
            "/me/points/disputes",
            Some(json!({"year": YEAR, "line_key": line, "reason": "应为联名提案第一提案人"})),
        )
        .await,
    )
    .await;
    let again: PointsDispute = json_ok(
        send(
            &app,
            &members[0].token,
            Method::POST,
            "/me/points/disputes",
            Some(json!({"year": YEAR, "line_key": line, "reason": "应为联名提案第一提案人"})),
        )
        .await,
    )
    .await;
    assert_eq!(first.id, again.id);
    assert_eq!(first.status, DisputeStatus::Open);
    assert!(
        first
            .line_title
            .as_deref()
            .unwrap_or_default()
            .contains("提案")
    );

    // Close, in January of the next year.
    app.clock.set(at("2032-01-05T02:00:00Z"));
    let office = app.admin().await.access_token;
    app.renew(&mut members).await;
    let closed: PointsYear = ok(
        &app,
        &office,
        Method::POST,
        &format!("/points/years/{YEAR}/close"),
        None,
    )
    .await;
    assert_eq!(
        closed.dispute_until.map(|d| d.to_string()).as_deref(),
        Some("2032-01-20")
    );
    let summary: PointsSummary = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/summary?year={YEAR}"),
        None,
    )
    .await;
    let places: Vec<(MemberId, i32)> = summary
        .items
        .iter()
        .map(|s| (s.member_id, s.rank))
        .collect();
    assert_eq!(places, vec![(a, 1), (b2, 2), (c, 3)]);
    // Everyone is told the record is final.
    let inbox: NotificationPage = ok(
        &app,
        &members[2].token,
        Method::GET,
        "/me/notifications",
        None,
    )
    .await;
    assert!(
        inbox
            .items
            .iter()
            .any(|n| n.kind == NotificationKind::PointsUpdate && n.body.contains("2032-01-20"))
    );

    // Accepted: an adjustment into the frozen record, which moves C past A.
    let c_record: PointsRecord = ok(
        &app,
        &members[2].token,
        Method::GET,
        &format!("/me/points?year={YEAR}"),
        None,
    )
    .await;
    let c_dispute: PointsDispute = json_ok(send(&app, &members[2].token, Method::POST, "/me/points/disputes",
        Some(json!({"year": YEAR, "line_key": c_record.lines[0].key, "reason": "该稿件为省级媒体刊发"}))).await).await;
    let accepted: PointsDispute = ok(
        &app,
        &office,
        Method::POST,
        &format!("/points/disputes/{}/accept", c_dispute.id),
        Some(json!({"points": 9.5, "note": "核实为省级媒体，补足差额"})),
    )
    .await;
    assert_eq!(accepted.status, DisputeStatus::Accepted);
    assert_eq!(accepted.adjustment, Some(9.5));
    let c_after: PointsRecord = ok(
        &app,
        &members[2].token,
        Method::GET,
        &format!("/me/points?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(h(c_after.total), h(c_record.total) + 950);
    assert_eq!(c_after.rank, Some(1));
    assert!(
        c_after
            .lines
            .iter()
            .any(|l| l.key.starts_with("entry:") && h(l.points) == 950)
    );
    let a_after: PointsRecord = ok(
        &app,
        &members[0].token,
        Method::GET,
        &format!("/me/points?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(a_after.rank, Some(2));
    // Decided once.
    let twice = send(
        &app,
        &office,
        Method::POST,
        &format!("/points/disputes/{}/refuse", c_dispute.id),
        Some(json!({"reason": "重复"})),
    )
    .await;
    expect_error(twice, 409, "dispute_decided").await;

    // Refused, with the reason the member is told.
    let refused: PointsDispute = ok(
        &app,
        &office,
        Method::POST,
        &format!("/points/disputes/{}/refuse", first.id),
        Some(json!({"reason": "提案系个人提案"})),
    )
    .await;
    assert_eq!(refused.status, DisputeStatus::Refused);
    let inbox: NotificationPage = ok(
        &app,
        &members[0].token,
        Method::GET,
        "/me/notifications",
        None,
    )
    .await;
    assert!(
        inbox
            .items
            .iter()
            .any(|n| n.kind == NotificationKind::PointsUpdate && n.body.contains("提案系个人提案"))
    );
    let mine: PointsDisputeList = ok(
        &app,
        &members[0].token,
        Method::GET,
        "/me/points/disputes",
        None,
    )
    .await;
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].answer.as_deref(), Some("提案系个人提案"));

    // Nothing else changes a closed year.
    let late = send(&app, &office, Method::POST, "/points/entries", Some(json!({
        "member_id": b2, "event": "proposal", "evidence": "提案第99号", "occurred_on": "2031-12-30",
    }))).await;
    expect_error(late, 409, "year_closed").await;
    let rules = send(
        &app,
        &office,
        Method::PUT,
        &format!("/points/years/{YEAR}/rules"),
        Some(rules()),
    )
    .await;
    expect_error(rules, 409, "year_closed").await;
    let again = send(
        &app,
        &office,
        Method::POST,
        &format!("/points/years/{YEAR}/close"),
        None,
    )
    .await;
    expect_error(again, 409, "year_closed").await;
    let entries: PointsEntryList = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/entries?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(entries.items.len(), 5, "four entries and one adjustment");

    // After the window, disputes are refused.
    app.clock.set(at("2032-01-21T02:00:00Z"));
    app.renew(&mut members).await;
    let late = send(
        &app,
        &members[1].token,
        Method::POST,
        "/me/points/disputes",
        Some(json!({"year": YEAR, "reason": "漏记了一次视察"})),
    )
    .await;
    expect_error(late, 409, "dispute_window_closed").await;
    let office = app.admin().await.access_token;
    let queue: PointsDisputeList = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/disputes?year={YEAR}"),
        None,
    )
    .await;
    assert_eq!(queue.items.len(), 2);
    // The sheets.
    for path in [
        format!("/points/summary?year={YEAR}&format=xlsx"),
        format!("/members/{a}/points?year={YEAR}&format=xlsx"),
    ] {
        let r = send(&app, &office, Method::GET, &path, None).await;
        assert_eq!(r.status(), 200, "{path}");
        let bytes = r.bytes().await.expect("sheet");
        assert!(bytes.starts_with(b"PK"), "{path} is a workbook");
    }
}

async fn bad_points_input_is_refused_and_stores_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(at("2031-03-01T02:00:00Z"));
    let office = app.admin().await.access_token;
    let members = app.quick_members("13900153", 2).await;
    let outsider = app.other_committee_organizer("13700000153").await;

    // Rules: an event twice, a negative rule, three decimals, grades upside down.
    let mut twice = rules();
    twice["rules"]
        .as_array_mut()
        .expect("rules")
        .push(json!({"event": "proposal", "points": 1.0}));
    let mut negative = rules();
    negative["rules"][0]["points"] = json!(-1.0);
    let mut decimals = rules();
    decimals["caps"][0]["cap"] = json!(1.005);
    let mut upside = rules();
    upside["qualified_from"] = json!(50.0);
    for (body, field) in [
        (twice, "rules"),
        (negative, "rules"),
        (decimals, "caps"),
        (upside, "qualified_from"),
    ] {
        let r = send(
            &app,
            &office,
            Method::PUT,
            &format!("/points/years/{YEAR}/rules"),
            Some(body),
        )
        .await;
        let err = expect_error(r, 422, "invalid_field").await;
        assert_eq!(err.field.as_deref(), Some(field));
    }
    let year: PointsYear = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/years/{YEAR}"),
        None,
    )
    .await;
    assert!(!year.customized, "nothing was stored");

    // Entries: an event Lvzhi records itself, someone of another committee,
    // empty evidence, then a duplicate.
    let entry = |member: MemberId, event: &str, evidence: &str| {
        json!({
            "member_id": member, "event": event, "evidence": evidence, "occurred_on": "2031-02-10",
        })
    };
    let m = members[0].id;
    for (body, code, field) in [
        (
            entry(m, "outreach_joined", "三下乡"),
            "invalid_field",
            "event",
        ),
        (
            entry(outsider.user.id, "proposal", "提案第1号"),
            "unknown_member",
            "member_id",
        ),
        (entry(m, "proposal", "   "), "field_required", "evidence"),
    ] {
        let r = send(&app, &office, Method::POST, "/points/entries", Some(body)).await;
        let err = expect_error(r, 422, code).await;
        assert_eq!(err.field.as_deref(), Some(field));
    }
    let first: PointsEntry = json_ok(
        send(
            &app,
            &office,
            Method::POST,
            "/points/entries",
            Some(entry(m, "proposal", "提案第1号")),
        )
        .await,
    )
    .await;
    let dup = send(
        &app,
        &office,
        Method::POST,
        "/points/entries",
        Some(entry(m, "proposal", " 提案第1号 ")),
    )
    .await;
    let err = expect_error(dup, 409, "duplicate_entry").await;
    assert_eq!(err.field.as_deref(), Some("evidence"));
    let listed: PointsEntryList = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/entries?year={YEAR}&member_id={m}"),
        None,
    )
    .await;
    assert_eq!(
        listed.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![first.id]
    );

    // Disputes: a line of another member's record, an empty reason.
    let theirs: PointsRecord = ok(
        &app,
        &office,
        Method::GET,
        &format!("/members/{m}/points?year={YEAR}"),
        None,
    )
    .await;
    let r = send(
        &app,
        &members[1].token,
        Method::POST,
        "/me/points/disputes",
        Some(json!({"year": YEAR, "line_key": theirs.lines[0].key, "reason": "不对"})),
    )
    .await;
    let err = expect_error(r, 422, "invalid_field").await;
    assert_eq!(err.field.as_deref(), Some("line_key"));
    let r = send(
        &app,
        &members[1].token,
        Method::POST,
        "/me/points/disputes",
        Some(json!({"year": YEAR, "reason": ""})),
    )
    .await;
    expect_error(r, 422, "field_required").await;
    let mine: PointsDisputeList = ok(
        &app,
        &members[1].token,
        Method::GET,
        "/me/points/disputes",
        None,
    )
    .await;
    assert!(mine.items.is_empty());
    // The office's queue is not the member's, and members cannot decide.
    let r = send(
        &app,
        &members[1].token,
        Method::GET,
        &format!("/points/summary?year={YEAR}"),
        None,
    )
    .await;
    expect_error(r, 403, "forbidden").await;
    // An adjustment of nothing.
    let d: PointsDispute = json_ok(
        send(
            &app,
            &members[0].token,
            Method::POST,
            "/me/points/disputes",
            Some(json!({"year": YEAR, "reason": "漏记一次大会发言"})),
        )
        .await,
    )
    .await;
    let r = send(
        &app,
        &office,
        Method::POST,
        &format!("/points/disputes/{}/accept", d.id),
        Some(json!({"points": 0, "note": "无"})),
    )
    .await;
    let err = expect_error(r, 422, "invalid_field").await;
    assert_eq!(err.field.as_deref(), Some("points"));
    // A year not begun cannot close; one out of range is named.
    let r = send(
        &app,
        &office,
        Method::POST,
        "/points/years/2032/close",
        None,
    )
    .await;
    expect_error(r, 422, "invalid_field").await;
    let r = send(&app, &office, Method::GET, "/points/years/1999", None).await;
    expect_error(r, 422, "invalid_field").await;
    let r = send(&app, &office, Method::GET, "/points/years/abc", None).await;
    let err = expect_error(r, 400, "invalid_parameter").await;
    assert_eq!(err.field.as_deref(), Some("year"));
    // The entry goes while the year is open.
    let r = send(
        &app,
        &office,
        Method::DELETE,
        &format!("/points/entries/{}", first.id),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    let listed: PointsEntryList = ok(
        &app,
        &office,
        Method::GET,
        &format!("/points/entries?year={YEAR}"),
        None,
    )
    .await;
    assert!(listed.items.is_empty());
    let record: PointsRecord = ok(
        &app,
        &office,
        Method::GET,
        &format!("/members/{m}/points?year={YEAR}"),
        None,
    )
    .await;
    assert!(record.lines.is_empty());
}
