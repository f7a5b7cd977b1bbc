//! 履职积分 in the console, as a clerk works it: the year's rules changed
//! (thresholds upside down refused in Chinese, the typing kept), a
//! proposal recorded (a double click records it once, the same evidence
//! again is refused), the member's record with its source, a dispute
//! accepted with an adjustment, the year closed only once the clerk ticks
//! that they checked, and nothing recorded after. On both backends.

use chrono::Datelike;
use lvzhi_server::clock::Clock;
use lvzhi_shared::members::Role;
use lvzhi_shared::points::{PointsEntryList, PointsRecord, PointsYear, PointsYearStatus};
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(a_year_of_points_through_the_console);

const ORGANIZER: &str = "13900086001";

async fn api<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> T {
    let mut req = app.api(method, path).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    json_ok(req.send().await.expect("api")).await
}

async fn a_year_of_points_through_the_console(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let member = app.account(Role::Member, "13900086002").await;
    let year = app.clock.now().year();
    let today = app.clock.now().date_naive().to_string();
    let clerk = Browser::new(&app);
    assert_eq!(clerk.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status, 303);

    let summary = clerk.get("/console/points").await;
    assert_eq!(summary.status, 200);
    assert!(summary.body.contains("积分通报") && summary.body.contains("年度进行中"));
    assert!(summary.body.contains(&member.user.name));

    // The rules: thresholds upside down are refused, the typing kept.
    let form = clerk
        .get(&format!("/console/points/rules?year={year}"))
        .await;
    assert!(form.body.contains("学习培训（每学时）") && form.body.contains("默认规则"));
    let csrf = form.csrf();
    let y = year.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("year", &y),
        ("rule_proposal", "6"),
        ("rule_plenary_speech", "5"),
        ("cap_proposals", "20"),
        ("first_author_percent", "60"),
        ("excellent_from", "90"),
        ("qualified_from", "95"),
        ("dispute_days", "15"),
    ];
    let refused = clerk.post("/console/points/rules", &fields).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("合格分数线不能高于优秀分数线"));
    assert!(refused.body.contains("value=\"95\""), "the typing is kept");
    fields[7] = ("qualified_from", "60");
    let saved = clerk.post("/console/points/rules", &fields).await;
    assert_eq!(saved.status, 303);
    let rules: PointsYear = api(
        &app,
        &office.access_token,
        Method::GET,
        &format!("/points/years/{year}"),
        None,
    )
    .await;
    assert!(rules.customized);
    assert_eq!(rules.rules.rules.len(), 2, "only the events given a number");

    // A proposal, twice with one token (a double click), then once more.
    let entries = clerk
        .get(&format!("/console/points/entries?year={year}"))
        .await;
    let (csrf, token) = (
        entries.csrf(),
        entries.between("name=\"token\" value=\"", "\""),
    );
    let member_id = member.user.id.to_string();
    let entry = [
        ("csrf", csrf.as_str()),
        ("token", token.as_str()),
        ("member_id", member_id.as_str()),
        ("event", "proposal"),
        ("evidence", "提案第21号：关于乡村医生待遇"),
        ("occurred_on", today.as_str()),
    ];
    for _ in 0..2 {
        assert_eq!(
            clerk.post("/console/points/entries", &entry).await.status,
            303
        );
    }
    let listed: PointsEntryList = api(
        &app,
        &office.access_token,
        Method::GET,
        &format!("/points/entries?year={year}"),
        None,
    )
    .await;
    assert_eq!(listed.items.len(), 1);
    let again = clerk
        .get(&format!("/console/points/entries?year={year}"))
        .await;
    let token = again.between("name=\"token\" value=\"", "\"");
    let mut duplicate = entry;
    duplicate[1] = ("token", token.as_str());
    let refused = clerk.post("/console/points/entries", &duplicate).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("已经登记过"));

    // The member's record shows the line with its source.
    let record = clerk
        .get(&format!("/console/points/members/{member_id}?year={year}"))
        .await;
    assert_eq!(record.status, 200);
    assert!(
        record.body.contains("提交提案")
            && record.body.contains("提案第21号")
            && record.body.contains("+6.00")
    );

    // A dispute from the phone, accepted with an adjustment.
    let _: serde_json::Value = api(
        &app,
        &member.access_token,
        Method::POST,
        "/me/points/disputes",
        Some(json!({"year": year, "reason": "漏记一次大会发言"})),
    )
    .await;
    let disputes = clerk
        .get(&format!("/console/points/disputes?year={year}"))
        .await;
    assert!(disputes.body.contains("漏记一次大会发言"));
    let id = disputes.between("action=\"/console/points/disputes/", "\"");
    let path = format!("/console/points/disputes/{id}");
    let csrf = disputes.csrf();
    let bad = clerk
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("year", &y),
                ("decision", "accept"),
                ("points", "五"),
                ("answer", "核实"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("请填写调整的分值"));
    let ok = clerk
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("year", &y),
                ("decision", "accept"),
                ("points", "5"),
                ("answer", "核实为大会发言，补记"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    let mine: PointsRecord = api(
        &app,
        &member.access_token,
        Method::GET,
        &format!("/me/points?year={year}"),
        None,
    )
    .await;
    assert_eq!(mine.total, 11.0);

    // Closing asks the clerk to tick that they checked.
    let summary = clerk.get(&format!("/console/points?year={year}")).await;
    let csrf = summary.csrf();
    let unticked = clerk
        .post("/console/points/close", &[("csrf", &csrf), ("year", &y)])
        .await;
    assert!(unticked.body.contains("请先核对积分"));
    let open: PointsYear = api(
        &app,
        &office.access_token,
        Method::GET,
        &format!("/points/years/{year}"),
        None,
    )
    .await;
    assert_eq!(open.status, PointsYearStatus::Open);
    let closed = clerk
        .post(
            "/console/points/close",
            &[("csrf", &csrf), ("year", &y), ("checked", "on")],
        )
        .await;
    assert_eq!(closed.status, 303);
    let summary = clerk.get(&format!("/console/points?year={year}")).await;
    assert!(summary.body.contains("已结算") && summary.body.contains("申诉"));
    let sheet = clerk
        .get(&format!("/console/points?year={year}&format=xlsx"))
        .await;
    assert_eq!(sheet.status, 200);
    assert!(sheet.body.as_bytes().starts_with(b"PK"));
    // Nothing is recorded after the close.
    let after = clerk
        .get(&format!("/console/points/entries?year={year}"))
        .await;
    let token = after.between("name=\"token\" value=\"", "\"");
    let late = [
        ("csrf", after.csrf()),
        ("token", token),
        ("member_id", member_id.clone()),
        ("event", "plenary_speech".to_owned()),
        ("evidence", "全会发言".to_owned()),
        ("occurred_on", today.clone()),
    ];
    let late: Vec<(&str, &str)> = late.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = clerk.post("/console/points/entries", &late).await;
    assert!(refused.body.contains("已经结算"));
}
