//! Democratic appraisal by secret ballot: a round at a meeting, 300 members
//! voting at once, results only after the close, the rules on ballots, and
//! an attempt to link ballots to voters from the database that must fail.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset};
use diesel::prelude::*;
use futures::future::join_all;
use lvzhi_server::db::DbConnection;
use lvzhi_shared::ids::{AppraisalId, MeetingId};
use lvzhi_shared::meetings::{
    Appraisal, AppraisalResults, AppraisalStatus, BallotReceipt, Body, Meeting, ReceiptCheck,
    Rectification, RectificationStatus,
};
use lvzhi_tests::{Backend, QuickMember, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_backends!(
    three_hundred_vote_at_once_and_the_tally_is_exact,
    ballots_break_no_rule,
    ties_share_a_rank_and_rectifications_follow,
    ballots_cannot_be_linked_to_voters_from_the_database
);

const RATINGS: [&str; 4] = [
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "cannot_judge",
];

fn at(app: &TestApp, minutes: i64) -> DateTime<FixedOffset> {
    (app.clock.now_utc() + Duration::minutes(minutes)).fixed_offset()
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
    json_ok(send(app, token, method, path, body).await).await
}

/// A published appraisal meeting of `members` whose one session starts in
/// 10 minutes, with `checked_in` of them checked in, and an open round over
/// `departments`.
async fn round(
    app: &TestApp,
    office: &str,
    members: &[QuickMember],
    checked_in: usize,
    departments: &[&str],
) -> (MeetingId, Appraisal) {
    let body: Body = ok(
        app,
        office,
        Method::POST,
        "/bodies",
        Some(json!({"name": "全体委员", "kind": "plenary", "term": "第七届"})),
    )
    .await;
    let joined = (app.clock.now_utc() - Duration::days(30))
        .date_naive()
        .to_string();
    for chunk in members.chunks(16) {
        for r in join_all(chunk.iter().map(|m| {
            let (path, joined) = (format!("/bodies/{}/members", body.id), joined.clone());
            async move {
                send(
                    app,
                    office,
                    Method::POST,
                    &path,
                    Some(json!({"member_id": m.id, "joined_on": joined})),
                )
                .await
            }
        }))
        .await
        {
            assert_eq!(r.status(), 201);
        }
    }
    let m: Meeting = json_ok(send(app, office, Method::POST, "/meetings", Some(json!({
        "kind": "appraisal", "body_id": body.id, "title": "民主评议会议",
        "sessions": [{"title": "评议大会", "starts_at": at(app, 10).to_rfc3339(), "ends_at": at(app, 190).to_rfc3339(), "place": "大礼堂"}],
    }))).await)
    .await;
    let m: Meeting = ok(
        app,
        office,
        Method::POST,
        &format!("/meetings/{}/publish", m.id),
        None,
    )
    .await;
    let code: Value = ok(
        app,
        office,
        Method::GET,
        &format!(
            "/meetings/{}/sessions/{}/checkin-code",
            m.id, m.sessions[0].id
        ),
        None,
    )
    .await;
    let code = code["code"].as_str().expect("code").to_owned();
    for chunk in members[..checked_in].chunks(32) {
        for r in join_all(chunk.iter().map(|v| {
            let (path, code) = (
                format!("/meetings/{}/sessions/{}/checkins", m.id, m.sessions[0].id),
                code.clone(),
            );
            async move {
                send(
                    app,
                    &v.token,
                    Method::POST,
                    &path,
                    Some(json!({"code": code})),
                )
                .await
            }
        }))
        .await
        {
            assert_eq!(r.status(), 200);
        }
    }
    let created = send(
        app,
        office,
        Method::POST,
        "/appraisals",
        Some(json!({
            "meeting_id": m.id, "title": "2026年度部门民主评议", "departments": departments,
        })),
    )
    .await;
    assert_eq!(created.status(), 201);
    let draft: Appraisal = created.json().await.expect("round");
    assert_eq!(draft.status, AppraisalStatus::Draft);
    let open: Appraisal = ok(
        app,
        office,
        Method::POST,
        &format!("/appraisals/{}/open", draft.id),
        None,
    )
    .await;
    assert_eq!(open.status, AppraisalStatus::Open);
    (m.id, open)
}

fn ballot(round: &Appraisal, pick: impl Fn(usize) -> usize) -> Value {
    let answers: Vec<Value> = round
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"department_id": d.id, "rating": RATINGS[pick(i)]}))
        .collect();
    json!({ "answers": answers })
}

async fn cast(app: &TestApp, token: &str, id: AppraisalId, body: Value) -> Response {
    send(
        app,
        token,
        Method::POST,
        &format!("/appraisals/{id}/ballots"),
        Some(body),
    )
    .await
}

async fn three_hundred_vote_at_once_and_the_tally_is_exact(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let members = app.quick_members("13900141", 300).await;
    let (_, r) = round(
        &app,
        &office,
        &members,
        300,
        &["县教育局", "县卫健局", "县住建局", "县交通运输局"],
    )
    .await;
    assert_eq!(r.eligible, 300);
    // Each voter's answers, known to the test only.
    let pick = |v: usize| move |d: usize| (v * 7 + d * 3 + v / 5) % 4;
    let mut expected: HashMap<usize, [i32; 4]> = HashMap::new();
    for v in 0..300 {
        for d in 0..4 {
            expected.entry(d).or_default()[pick(v)(d)] += 1;
        }
    }
    // All 300 at once.
    let responses = join_all(
        members
            .iter()
            .enumerate()
            .map(|(v, m)| cast(&app, &m.token, r.id, ballot(&r, pick(v)))),
    )
    .await;
    let mut receipts = Vec::new();
    for resp in responses {
        receipts.push(json_ok::<BallotReceipt>(resp).await.receipt);
    }
    // Nothing is readable before the close, organizers included.
    expect_error(
        send(
            &app,
            &office,
            Method::GET,
            &format!("/appraisals/{}/results", r.id),
            None,
        )
        .await,
        409,
        "results_not_ready",
    )
    .await;
    expect_error(
        send(
            &app,
            &members[0].token,
            Method::GET,
            &format!("/appraisals/{}/results", r.id),
            None,
        )
        .await,
        409,
        "results_not_ready",
    )
    .await;
    let seen: Appraisal = ok(
        &app,
        &members[0].token,
        Method::GET,
        &format!("/appraisals/{}", r.id),
        None,
    )
    .await;
    assert_eq!(
        (seen.voted, seen.has_voted, seen.may_vote),
        (300, true, false)
    );

    let closed: Appraisal = ok(
        &app,
        &office,
        Method::POST,
        &format!("/appraisals/{}/close", r.id),
        None,
    )
    .await;
    assert_eq!(
        (closed.status, closed.eligible, closed.voted),
        (AppraisalStatus::Closed, 300, 300)
    );
    let results: AppraisalResults = ok(
        &app,
        &members[5].token,
        Method::GET,
        &format!("/appraisals/{}/results", r.id),
        None,
    )
    .await;
    assert_eq!((results.ballots, results.eligible), (300, 300));
    assert!((results.turnout - 1.0).abs() < 1e-9);
    for d in &results.departments {
        let i = r
            .departments
            .iter()
            .position(|x| x.id == d.department_id)
            .expect("department");
        let want = expected[&i];
        assert_eq!(
            [
                d.satisfied,
                d.basically_satisfied,
                d.unsatisfied,
                d.cannot_judge
            ],
            want,
            "{}",
            d.name
        );
        let rate = f64::from(want[0] + want[1]) / f64::from(want[0] + want[1] + want[2]);
        assert!((d.satisfaction_rate - rate).abs() < 1e-9);
    }
    // Best first, ranks agree with the rates.
    for w in results.departments.windows(2) {
        assert!(w[0].satisfaction_rate >= w[1].satisfaction_rate);
        assert!(w[0].rank <= w[1].rank);
    }
    // Every receipt was counted; a made-up one was not.
    for receipt in receipts.iter().step_by(50) {
        let check: ReceiptCheck = ok(
            &app,
            &members[1].token,
            Method::GET,
            &format!("/appraisals/{}/ballots/{receipt}", r.id),
            None,
        )
        .await;
        assert!(check.counted);
    }
    // The spreadsheet: a header row and one row per department, best first.
    let csv = send(
        &app,
        &office,
        Method::GET,
        &format!("/appraisals/{}/results?format=csv", r.id),
        None,
    )
    .await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("csv");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("名次,评议对象"), "{}", lines[0]);
    assert!(
        lines[1].contains(&results.departments[0].name),
        "{}",
        lines[1]
    );
    let xlsx = send(
        &app,
        &office,
        Method::GET,
        &format!("/appraisals/{}/results?format=xlsx", r.id),
        None,
    )
    .await;
    assert_eq!(xlsx.status(), 200);
    assert!(
        xlsx.bytes().await.expect("xlsx").starts_with(b"PK"),
        "a zip: XLSX"
    );
    // Voting shows in the duty record, and nothing of how.
    let record: Value = ok(&app, &members[3].token, Method::GET, "/me/record", None).await;
    assert_eq!(record["appraisals_voted"], 1);
    let made_up: ReceiptCheck = ok(
        &app,
        &members[1].token,
        Method::GET,
        &format!("/appraisals/{}/ballots/{}", r.id, "0".repeat(32)),
        None,
    )
    .await;
    assert!(!made_up.counted);
}

async fn ballots_break_no_rule(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let members = app.quick_members("13900142", 5).await;
    // Four of five checked in: member 4 may not vote.
    let (meeting, r) = round(&app, &office, &members, 4, &["县民政局", "县人社局"]).await;
    assert_eq!(r.eligible, 4);
    let id = r.id;
    let not_checked_in = cast(&app, &members[4].token, id, ballot(&r, |_| 0)).await;
    expect_error(not_checked_in, 403, "not_eligible").await;
    // An unknown department, a department twice, one missing, an unknown answer.
    let mut unknown = ballot(&r, |_| 0);
    unknown["answers"][1]["department_id"] = json!(uuid::Uuid::now_v7().to_string());
    let err = expect_error(
        cast(&app, &members[0].token, id, unknown).await,
        422,
        "invalid_field",
    )
    .await;
    assert_eq!(err.field.as_deref(), Some("answers[1].department_id"));
    let mut twice = ballot(&r, |_| 0);
    twice["answers"][1]["department_id"] = twice["answers"][0]["department_id"].clone();
    expect_error(
        cast(&app, &members[0].token, id, twice).await,
        422,
        "invalid_field",
    )
    .await;
    let mut missing = ballot(&r, |_| 0);
    missing["answers"].as_array_mut().expect("answers").pop();
    let err = expect_error(
        cast(&app, &members[0].token, id, missing).await,
        422,
        "field_required",
    )
    .await;
    assert_eq!(err.field.as_deref(), Some("answers"));
    let mut odd = ballot(&r, |_| 0);
    odd["answers"][0]["rating"] = json!("delighted");
    let resp = cast(&app, &members[0].token, id, odd).await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let body: Value = resp.json().await.expect("error");
    assert!(
        body["field"]
            .as_str()
            .unwrap_or_default()
            .contains("rating"),
        "{body}"
    );
    // Nothing of those was stored.
    let now: Appraisal = ok(
        &app,
        &office,
        Method::GET,
        &format!("/appraisals/{id}"),
        None,
    )
    .await;
    assert_eq!(now.voted, 0);
    // One ballot, then a second from another phone (another session of the same member).
    let first = cast(&app, &members[0].token, id, ballot(&r, |_| 0)).await;
    assert_eq!(first.status(), 201);
    let second_phone = app.mint(members[0].id, app.admin().await.user.committee_id);
    expect_error(
        cast(&app, &second_phone, id, ballot(&r, |_| 1)).await,
        409,
        "already_voted",
    )
    .await;
    // Two of four have voted: closing now would be invalid. Two more make it valid.
    json_ok::<BallotReceipt>(cast(&app, &members[1].token, id, ballot(&r, |_| 1)).await).await;
    json_ok::<BallotReceipt>(cast(&app, &members[2].token, id, ballot(&r, |_| 2)).await).await;
    let closed: Appraisal = ok(
        &app,
        &office,
        Method::POST,
        &format!("/appraisals/{id}/close"),
        None,
    )
    .await;
    assert_eq!(
        (closed.status, closed.voted, closed.eligible),
        (AppraisalStatus::Closed, 3, 4)
    );
    expect_error(
        send(
            &app,
            &office,
            Method::POST,
            &format!("/appraisals/{id}/close"),
            None,
        )
        .await,
        409,
        "appraisal_closed",
    )
    .await;
    expect_error(
        cast(&app, &members[3].token, id, ballot(&r, |_| 0)).await,
        409,
        "appraisal_not_open",
    )
    .await;
    // Members cannot open or close rounds.
    expect_error(
        send(
            &app,
            &members[3].token,
            Method::POST,
            &format!("/appraisals/{id}/close"),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // A second round where only one of four votes: recorded invalid.
    let created: Appraisal = json_ok(send(&app, &office, Method::POST, "/appraisals", Some(json!({"meeting_id": meeting, "title": "补充评议", "departments": ["县审计局"], "electorate": "body"}))).await).await;
    expect_error(
        send(
            &app,
            &office,
            Method::POST,
            &format!("/appraisals/{}/close", created.id),
            None,
        )
        .await,
        409,
        "appraisal_not_open",
    )
    .await;
    expect_error(
        cast(&app, &members[0].token, created.id, json!({"answers": []})).await,
        409,
        "appraisal_not_open",
    )
    .await;
    let opened: Appraisal = ok(
        &app,
        &office,
        Method::POST,
        &format!("/appraisals/{}/open", created.id),
        None,
    )
    .await;
    assert_eq!(opened.eligible, 5, "the whole body votes in this round");
    json_ok::<BallotReceipt>(
        cast(&app, &members[4].token, created.id, ballot(&opened, |_| 0)).await,
    )
    .await;
    let invalid: Appraisal = ok(
        &app,
        &office,
        Method::POST,
        &format!("/appraisals/{}/close", created.id),
        None,
    )
    .await;
    assert_eq!(invalid.status, AppraisalStatus::Invalid);
    let results: AppraisalResults = ok(
        &app,
        &office,
        Method::GET,
        &format!("/appraisals/{}/results", created.id),
        None,
    )
    .await;
    assert_eq!(
        (results.status, results.ballots, results.eligible),
        (AppraisalStatus::Invalid, 1, 5)
    );
    // A round needs departments, each once.
    let none = send(
        &app,
        &office,
        Method::POST,
        "/appraisals",
        Some(json!({"meeting_id": meeting, "title": "x", "departments": []})),
    )
    .await;
    expect_error(none, 422, "field_required").await;
    let dup = send(
        &app,
        &office,
        Method::POST,
        "/appraisals",
        Some(json!({"meeting_id": meeting, "title": "x", "departments": ["甲", "甲"]})),
    )
    .await;
    assert_eq!(
        expect_error(dup, 422, "invalid_field")
            .await
            .field
            .as_deref(),
        Some("departments[1]")
    );
}

async fn ties_share_a_rank_and_rectifications_follow(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let members = app.quick_members("13900143", 4).await;
    let (_, r) = round(
        &app,
        &office,
        &members,
        4,
        &["甲局", "乙局", "丙局", "丁局"],
    )
    .await;
    // 甲 and 乙 all satisfied (100 %), 丙 half, 丁 none; cannot-judge answers do not count.
    let plan: [[usize; 4]; 4] = [[0, 1, 0, 2], [0, 0, 2, 2], [1, 0, 3, 2], [3, 3, 3, 2]];
    for (v, m) in members.iter().enumerate() {
        json_ok::<BallotReceipt>(cast(&app, &m.token, r.id, ballot(&r, |d| plan[v][d])).await)
            .await;
    }
    ok::<Appraisal>(
        &app,
        &office,
        Method::POST,
        &format!("/appraisals/{}/close", r.id),
        None,
    )
    .await;
    let results: AppraisalResults = ok(
        &app,
        &office,
        Method::GET,
        &format!("/appraisals/{}/results", r.id),
        None,
    )
    .await;
    let ranked: Vec<(&str, i32)> = results
        .departments
        .iter()
        .map(|d| (d.name.as_str(), d.rank))
        .collect();
    assert_eq!(ranked, [("甲局", 1), ("乙局", 1), ("丙局", 3), ("丁局", 4)]);
    assert_eq!(results.departments[2].cannot_judge, 2);
    assert!((results.departments[2].satisfaction_rate - 0.5).abs() < 1e-9);

    // The last department gets a rectification item, followed up to done.
    let last = results.departments[3].department_id;
    let created = send(&app, &office, Method::POST, "/rectifications", Some(json!({"appraisal_id": r.id, "department_id": last, "item": "群众办事排队时间过长", "due_on": "2027-03-31"}))).await;
    assert_eq!(created.status(), 201);
    let item: Rectification = created.json().await.expect("item");
    assert_eq!(item.status, RectificationStatus::Open);
    let followed: Rectification = ok(
        &app,
        &office,
        Method::PATCH,
        &format!("/rectifications/{}", item.id),
        Some(json!({"status": "in_progress", "note": "已增设两个服务窗口"})),
    )
    .await;
    assert_eq!(followed.notes.len(), 1);
    let done: Rectification = ok(
        &app,
        &office,
        Method::PATCH,
        &format!("/rectifications/{}", item.id),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(done.status, RectificationStatus::Done);
    let list: Value = ok(
        &app,
        &members[0].token,
        Method::GET,
        &format!("/rectifications?appraisal_id={}", r.id),
        None,
    )
    .await;
    assert_eq!(list["items"][0]["department"], "丁局");
    expect_error(
        send(
            &app,
            &office,
            Method::PATCH,
            &format!("/rectifications/{}", item.id),
            Some(json!({})),
        )
        .await,
        422,
        "field_required",
    )
    .await;
    let wrong = send(&app, &office, Method::POST, "/rectifications", Some(json!({"appraisal_id": r.id, "department_id": uuid::Uuid::now_v7().to_string(), "item": "x", "due_on": "2027-03-31"}))).await;
    assert_eq!(
        expect_error(wrong, 422, "invalid_field")
            .await
            .field
            .as_deref(),
        Some("department_id")
    );
    // The item and its two follow-ups are in the audit log; the refusals are not.
    let log: Value = ok(&app, &office, Method::GET, "/audit-log", None).await;
    let changes = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "rectification_changed")
        .count();
    assert_eq!(changes, 3);
}

#[derive(QueryableByName)]
struct Text1 {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
}

#[derive(QueryableByName)]
struct Text2 {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
}

/// How many positions two orders agree on.
fn agreements(a: &[String], b: &[String]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x == y).count()
}

async fn ballots_cannot_be_linked_to_voters_from_the_database(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let members = app.quick_members("13900144", 40).await;
    let (_, r) = round(&app, &office, &members, 40, &["县环保局"]).await;
    // One by one, so that the order of voting is known to the attacker: voter i
    // writes comment "i", standing for how they voted.
    for (i, m) in members.iter().enumerate() {
        let body = json!({"answers": [{"department_id": r.departments[0].id, "rating": "satisfied", "comment": format!("{i}")}]});
        json_ok::<BallotReceipt>(cast(&app, &m.token, r.id, body).await).await;
    }
    let id = r.id.to_string();
    let backend = b;
    let (columns, voters_stored, ballots_stored, xmins) = app
        .state
        .db
        .run(move |conn| {
            // What a ballot row holds.
            let columns: Vec<String> = match conn {
                DbConnection::Sqlite(c) => diesel::sql_query("SELECT name AS a FROM pragma_table_info('appraisal_ballots') ORDER BY cid").load::<Text1>(c)?,
                DbConnection::Postgres(c) => diesel::sql_query("SELECT column_name::text AS a FROM information_schema.columns WHERE table_name = 'appraisal_ballots' ORDER BY ordinal_position").load::<Text1>(c)?,
            }
            .into_iter()
            .map(|r| r.a)
            .collect();
            // Both tables as stored, in the order the database keeps them.
            let voters: Vec<String> = diesel::sql_query(format!("SELECT user_id AS a FROM appraisal_voters WHERE appraisal_id = '{id}'"))
                .load::<Text1>(conn)?.into_iter().map(|r| r.a).collect();
            let (ballots, xmins): (Vec<String>, Vec<String>) = match conn {
                DbConnection::Postgres(c) => {
                    let rows = diesel::sql_query(format!("SELECT answers AS a, xmin::text AS b FROM appraisal_ballots WHERE appraisal_id = '{id}' ORDER BY ctid")).load::<Text2>(c)?;
                    rows.into_iter().map(|r| (r.a, r.b)).unzip()
                }
                DbConnection::Sqlite(c) => {
                    // No rowid to order by: the table has none.
                    assert!(diesel::sql_query("SELECT rowid AS a FROM appraisal_ballots").load::<Text1>(c).is_err());
                    assert!(diesel::sql_query("SELECT rowid AS a FROM appraisal_voters").load::<Text1>(c).is_err());
                    let rows = diesel::sql_query(format!("SELECT answers AS a, '' AS b FROM appraisal_ballots WHERE appraisal_id = '{id}'")).load::<Text2>(c)?;
                    rows.into_iter().map(|r| (r.a, r.b)).unzip()
                }
            };
            Ok((columns, voters, ballots, xmins))
        })
        .await
        .expect("read the database");
    assert_eq!(
        columns,
        ["id", "appraisal_id", "receipt_hash", "answers"],
        "no voter, no time, no sequence in a ballot"
    );
    assert_eq!(ballots_stored.len(), 40);
    assert_eq!(voters_stored.len(), 40);
    // The attacker pairs the k-th ballot as stored with the k-th vote cast
    // (read from anywhere: logs, the voters' table in write order). With
    // the ballots in an order unrelated to voting, that pairing is right by
    // chance only: about one position in a random permutation; 8 or more
    // happens with probability ~1e-5.
    let comments: Vec<String> = ballots_stored
        .iter()
        .map(|a| {
            serde_json::from_str::<Value>(a).expect("answers")[0]["comment"]
                .as_str()
                .expect("comment")
                .to_owned()
        })
        .collect();
    let voting_order: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    let right = agreements(&comments, &voting_order);
    assert!(
        right < 8,
        "{right} of 40 ballots sit in voting order: {comments:?}"
    );
    // Ballot ids are random (version 4), not time-ordered.
    let ids = app
        .state
        .db
        .run(|conn| {
            Ok(diesel::sql_query("SELECT id AS a FROM appraisal_ballots").load::<Text1>(conn)?)
        })
        .await
        .expect("ids");
    assert!(
        ids.iter()
            .all(|r| uuid::Uuid::parse_str(&r.a).expect("uuid").get_version_num() == 4)
    );
    if backend == Backend::Postgres {
        // Every ballot was last written by the same transaction: xmin says nothing of who.
        let mut distinct = xmins.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            1,
            "ballots carry one xmin, not one per voter: {xmins:?}"
        );
    }
}
