//! 社情民意 in the console, as a clerk works it: a member's report waits in
//! the queue; returning it without a reason is refused in Chinese; the
//! clerk edits it (a new version), accepts it, prints it in the year's first
//! issue (a double submission makes one), forwards it, and records its
//! adoption — a 批示 before the adoption is refused — while the member's app
//! sees each step. On both backends.

use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::members::Role;
use lvzhi_shared::reports::{Report, ReportDetail, ReportEventKind, ReportStatus};
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    a_report_through_the_console,
    two_reports_merged_in_the_console
);

const ORGANIZER: &str = "13900084001";

async fn detail(app: &TestApp, token: &str, id: &str) -> ReportDetail {
    json_ok(
        app.api(Method::GET, &format!("/reports/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("report"),
    )
    .await
}

async fn a_report_through_the_console(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let member = app.account(Role::Member, "13900084002").await;
    let report: Report = json_ok(
        app.api(Method::POST, "/reports")
            .bearer_auth(&member.access_token)
            .json(&json!({"title": "关于农贸市场改造的建议", "body": "市场排水不畅。\n建议改造。", "category": "livelihood"}))
            .send()
            .await
            .expect("create"),
    )
    .await;
    let id = report.id.to_string();
    let r = app
        .api(Method::POST, &format!("/reports/{id}/submit"))
        .bearer_auth(&member.access_token)
        .send()
        .await
        .expect("submit");
    assert_eq!(r.status(), 200);

    let clerk = Browser::new(&app);
    assert_eq!(clerk.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status, 303);
    let queue = clerk.get("/console/reports").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains("关于农贸市场改造的建议"),
        "{}",
        queue.body
    );
    let url = format!("/console/reports/{id}");
    let page = clerk.get(&url).await;
    assert!(
        page.body.contains("受理采编"),
        "the decision form is offered"
    );
    assert!(
        !page.body.contains("上级政协（系统内"),
        "no parent here to forward to"
    );
    let csrf = page.csrf();

    // Returning without a reason: refused, in Chinese, next to the field.
    let refused = clerk
        .post(
            &format!("{url}/decide"),
            &[("csrf", &csrf), ("decision", "return"), ("comment", " ")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("请写明意见"), "{}", refused.body);
    assert_eq!(
        detail(&app, &member.access_token, &id).await.report.status,
        ReportStatus::Submitted
    );

    // The clerk's edit is a new version; then accepted.
    let edited = clerk
        .post(
            &format!("{url}/edit"),
            &[
                ("csrf", &csrf),
                ("title", "关于城关农贸市场排水改造的建议"),
                ("body", "城关农贸市场排水不畅。\n建议列入改造计划。"),
                ("note", "标题写明地点"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let accepted = clerk
        .post(
            &format!("{url}/decide"),
            &[("csrf", &csrf), ("decision", "accept"), ("comment", "")],
        )
        .await;
    assert_eq!(accepted.status, 303);
    let seen = detail(&app, &member.access_token, &id).await;
    assert_eq!(seen.report.status, ReportStatus::Accepted);
    assert_eq!(
        (seen.report.version, seen.report.title.as_str()),
        (2, "关于城关农贸市场排水改造的建议")
    );

    // Printed: the form posted twice makes one issue.
    let issues = clerk.get("/console/report-issues").await;
    assert!(
        issues.body.contains("关于城关农贸市场排水改造的建议"),
        "offered for printing"
    );
    let token = issues.between(r#"name="token" value=""#, "\"");
    let today = issues.between(r#"name="issued_on" type="date" value=""#, "\"");
    for _ in 0..2 {
        let printed = clerk
            .post(
                "/console/report-issues",
                &[
                    ("csrf", &csrf),
                    ("token", &token),
                    ("issued_on", &today),
                    ("report", &id),
                ],
            )
            .await;
        assert_eq!(printed.status, 303, "{}", printed.body);
    }
    let year = &today[..4];
    let issues = clerk
        .get(&format!("/console/report-issues?year={year}"))
        .await;
    assert_eq!(
        issues.body.matches("下载 Word 文档").count(),
        1,
        "{}",
        issues.body
    );
    assert!(issues.body.contains(&format!("《社情民意》{year}年第1期")));
    let docx_url = format!(
        "/console/report-issues/{}",
        issues.between("/console/report-issues/", "\"")
    );
    let docx = clerk.get(&docx_url).await;
    assert_eq!(docx.status, 200);
    assert_eq!(
        docx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );

    // Forwarded outside by name (a name is needed); a 批示 waits for an adoption.
    let no_name = clerk
        .post(
            &format!("{url}/forward"),
            &[("csrf", &csrf), ("target", "outside"), ("outside_name", "")],
        )
        .await;
    assert_eq!(no_name.status, 422);
    assert!(no_name.body.contains("请写明报送的单位名称"));
    let forwarded = clerk
        .post(
            &format!("{url}/forward"),
            &[
                ("csrf", &csrf),
                ("target", "outside"),
                ("outside_name", "县委办公室"),
            ],
        )
        .await;
    assert_eq!(forwarded.status, 303);
    let early = clerk
        .post(
            &format!("{url}/outcome"),
            &[
                ("csrf", &csrf),
                ("kind", "instruction"),
                ("level", "county"),
                ("on_date", &today),
                ("party", "县长 某某"),
                ("text", "请县商务局研究。"),
            ],
        )
        .await;
    assert_eq!(early.status, 409);
    assert!(
        early.body.contains("领导批示须在信息被采用之后登记"),
        "{}",
        early.body
    );
    let adopted = clerk
        .post(
            &format!("{url}/outcome"),
            &[
                ("csrf", &csrf),
                ("kind", "adoption"),
                ("level", "county"),
                ("on_date", &today),
                ("party", "县委办公室"),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(adopted.status, 303, "{}", adopted.body);

    let seen = detail(&app, &member.access_token, &id).await;
    assert_eq!(seen.report.adopted_level, Some(CommitteeLevel::County));
    let kinds: Vec<ReportEventKind> = seen.timeline.iter().map(|e| e.kind).collect();
    use ReportEventKind::*;
    assert_eq!(
        kinds,
        [Submitted, Edited, Accepted, Compiled, Forwarded, Adopted]
    );
    let page = clerk.get(&url).await;
    assert!(page.body.contains("被采用") && page.body.contains("县委办公室"));

    let figures = clerk
        .get(&format!("/console/report-figures?year={year}"))
        .await;
    assert!(
        figures
            .body
            .contains("报送 1 篇 · 采编 1 篇 · 向上报送 1 篇"),
        "{}",
        figures.body
    );
    let workbook = clerk
        .get(&format!("/console/report-figures?year={year}&format=xlsx"))
        .await;
    assert_eq!(workbook.status, 200);
}

/// Two members report the same thing: the clerk merges them into one, credited
/// to both; ticking one is refused, and the form sent twice merges once.
async fn two_reports_merged_in_the_console(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let mut ids = Vec::new();
    for phone in ["13900084011", "13900084012"] {
        let member = app.account(Role::Member, phone).await;
        let report: Report = json_ok(
            app.api(Method::POST, "/reports")
                .bearer_auth(&member.access_token)
                .json(&json!({"title": "关于学校门口交通的建议", "body": "放学时拥堵。", "category": "education"}))
                .send()
                .await
                .expect("create"),
        )
        .await;
        for step in ["submit", "accept"] {
            let token = if step == "submit" {
                &member.access_token
            } else {
                &office.access_token
            };
            let r = app
                .api(Method::POST, &format!("/reports/{}/{step}", report.id))
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .expect(step);
            assert_eq!(r.status(), 200, "{step}");
        }
        ids.push(report.id.to_string());
    }
    let clerk = Browser::new(&app);
    assert_eq!(clerk.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status, 303);
    let form = clerk.get("/console/reports/merge").await;
    assert_eq!(form.status, 200);
    let (csrf, token) = (form.csrf(), form.between(r#"name="token" value=""#, "\""));
    let one = clerk
        .post(
            "/console/reports/merge",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("report", &ids[0]),
                ("title", "合并"),
                ("body", "正文"),
                ("category", "education"),
            ],
        )
        .await;
    assert_eq!(one.status, 422);
    assert!(one.body.contains("请勾选至少两条要合并的信息"));
    let mut landed = Vec::new();
    for _ in 0..2 {
        let merged = clerk
            .post(
                "/console/reports/merge",
                &[
                    ("csrf", &csrf),
                    ("token", &token),
                    ("report", &ids[0]),
                    ("report", &ids[1]),
                    ("title", "关于缓解学校门口交通拥堵的建议"),
                    ("body", "两位委员反映：放学时学校门口拥堵。\n建议错峰放学。"),
                    ("category", "education"),
                ],
            )
            .await;
        assert_eq!(merged.status, 303, "{}", merged.body);
        landed.push(merged.location().expect("to the report").to_owned());
    }
    assert_eq!(landed[0], landed[1], "the form sent twice merges once");
    let new_id = landed[0]
        .trim_start_matches("/console/reports/")
        .split('?')
        .next()
        .expect("id")
        .to_owned();
    let merged = detail(&app, &office.access_token, &new_id).await;
    assert_eq!(merged.report.credits.len(), 2);
    assert_eq!(merged.report.status, ReportStatus::Accepted);
    let page = clerk.get(&landed[0]).await;
    assert!(page.body.contains("已合并为这一条"));
}
