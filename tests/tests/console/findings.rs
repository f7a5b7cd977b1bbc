//! 视察意见 and 三下乡成效 in the console: a finding a member sent from the
//! app waits in the queue, the office forwards it and records the answer,
//! and the member's app sees each step; steps out of order and bad fields
//! are refused in Chinese with what was typed kept. An outreach's outcome
//! is stored through the form and read back through the API. On both backends.

use lvzhi_server::clock::Clock;
use lvzhi_shared::activities::{Finding, FindingList, Outcome};
use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ORGANIZER: &str = "13900082001";

async fn my_findings(app: &TestApp, token: &str) -> Vec<Finding> {
    let list: FindingList = json_ok(
        app.api(Method::GET, "/me/findings")
            .bearer_auth(token)
            .send()
            .await
            .expect("my findings"),
    )
    .await;
    list.items
}

async fn a_finding_from_the_queue_to_the_answer(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    let author = app.account(Role::Member, "13900082002").await;
    let trip = app
        .published_activity(
            &office,
            json!({"kind": "inspection", "title": "视察农村饮水工程", "capacity": 5}),
            2,
        )
        .await;
    assert!(
        app.sign_up(&author.access_token, &trip.id, None)
            .await
            .status()
            .is_success()
    );
    let sent: Finding = json_ok(
        app.api(Method::POST, &format!("/activities/{}/findings", trip.id))
            .bearer_auth(&author.access_token)
            .json(&json!({"title": "水质检测频次不足", "content": "建议每季度抽检一次，\n并公开结果。"}))
            .send()
            .await
            .expect("submit"),
    )
    .await;

    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    // 工作台's count leads to the queue.
    let today = browser.get("/console/today").await;
    assert!(
        today.body.contains(
            r#"<a href="/console/findings">待处理的视察意见 <span class="count">1</span></a>"#
        ),
        "{}",
        today.body
    );
    let url = format!("/console/activities/{}/findings/{}", trip.id, sent.id);
    assert!(
        today
            .body
            .contains(&format!(r#"<a href="{url}">水质检测频次不足</a>"#))
    );
    let queue = browser.get("/console/findings").await;
    assert_eq!(queue.status, 200);
    for shown in [
        "水质检测频次不足",
        "建议每季度抽检一次，\n并公开结果。",
        "视察农村饮水工程",
        author.user.name.as_str(),
        &format!(r#"href="{url}">办理…</a>"#),
    ] {
        assert!(queue.body.contains(shown), "{shown} in {}", queue.body);
    }

    let page = browser.get(&url).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<strong>待转交</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="forwarded" checked"#));
    assert!(!page.body.contains(r#"value="adopted""#), "not offered yet");
    let csrf = page.csrf();

    // No token: nothing happens.
    let forged = browser
        .post(&url, &[("action", "forwarded"), ("department", "县水利局")])
        .await;
    assert_eq!(forged.status, 403);
    // Out of order (a page left open, or a hand-made form): refused in Chinese.
    let early = browser
        .post(
            &url,
            &[
                ("csrf", &csrf),
                ("action", "adopted"),
                ("response", "已采纳"),
            ],
        )
        .await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert!(
        early.body.contains("这条意见现在不能这样办理"),
        "{}",
        early.body
    );
    assert!(early.body.contains("<strong>待转交</strong>"));
    // A field the domain refuses: said next to it, the text kept.
    let long = "部".repeat(201);
    let too_long = browser
        .post(
            &url,
            &[
                ("csrf", &csrf),
                ("action", "forwarded"),
                ("department", &long),
            ],
        )
        .await;
    assert_eq!(too_long.status, 422);
    assert!(
        too_long.body.contains(
            r#"<p class="problem-inline" id="department-problem">部门名称太长，请删减。</p>"#
        ),
        "{}",
        too_long.body
    );
    assert!(too_long.body.contains(&format!(r#"value="{long}""#)));
    let none = browser.post(&url, &[("csrf", &csrf)]).await;
    assert_eq!(none.status, 422);
    assert!(
        none.body
            .contains(r#"id="action-problem">请选择办理方式。"#)
    );

    let forwarded = browser
        .post(
            &url,
            &[
                ("csrf", &csrf),
                ("action", "forwarded"),
                ("department", " 县水利局 "),
            ],
        )
        .await;
    assert_eq!(forwarded.status, 303, "{}", forwarded.body);
    assert_eq!(
        forwarded.location(),
        Some(format!("{url}?done=forwarded").as_str())
    );
    let page = browser.get(&format!("{url}?done=forwarded")).await;
    assert!(page.body.contains("已记录为“已转交”"));
    assert!(page.body.contains("转交部门：县水利局"));
    assert!(page.body.contains(r#"value="adopted""#) && page.body.contains(r#"value="answered""#));
    let mine = my_findings(&app, &author.access_token).await;
    assert_eq!(mine[0].status.as_str(), "forwarded");
    assert_eq!(mine[0].department.as_deref(), Some("县水利局"));
    // Out of the queue, still on the trip's page.
    let queue = browser.get("/console/findings").await;
    assert!(!queue.body.contains("水质检测频次不足"));
    assert!(queue.body.contains("没有等待处理的意见。"));

    // A second forward from the stale tab: refused, the page says where it is.
    let again = browser
        .post(
            &url,
            &[
                ("csrf", &csrf),
                ("action", "forwarded"),
                ("department", "县卫健委"),
            ],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("<strong>已转交</strong>"));

    let blank = browser
        .post(
            &url,
            &[("csrf", &csrf), ("action", "answered"), ("response", "  ")],
        )
        .await;
    assert_eq!(blank.status, 422);
    assert!(
        blank
            .body
            .contains(r#"id="response-problem">请填写部门的答复"#),
        "{}",
        blank.body
    );
    assert!(
        blank.body.contains(r#"value="answered" checked"#),
        "the choice kept"
    );
    let answer = "已将抽检频次调整为每季度一次，结果在县政府网站公开。";
    let answered = browser
        .post(
            &url,
            &[
                ("csrf", &csrf),
                ("action", "answered"),
                ("response", answer),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let mine = my_findings(&app, &author.access_token).await;
    assert_eq!(mine[0].status.as_str(), "answered");
    assert_eq!(mine[0].response.as_deref(), Some(answer));
    let page = browser.get(&format!("{url}?done=answered")).await;
    assert!(
        page.body
            .contains("已记录为“已答复”，并已通知提出意见的委员。")
    );
    assert!(page.body.contains("这条意见已办结。"));
    // The member is told, in the app.
    let inbox: serde_json::Value = json_ok(
        app.api(Method::GET, "/me/notifications")
            .bearer_auth(&author.access_token)
            .send()
            .await
            .expect("inbox"),
    )
    .await;
    let told = inbox["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["kind"] == "finding_answered")
        .filter(|n| n["body"].as_str().is_some_and(|b| b.contains(answer)))
        .count();
    assert_eq!(told, 1, "{inbox}");

    // The trip's page lists its findings.
    let trip_page = browser
        .get(&format!("/console/activities/{}", trip.id))
        .await;
    assert!(
        trip_page
            .body
            .contains("视察意见 <span class=\"count\">1</span>")
    );
    assert!(trip_page.body.contains("<td>水质检测频次不足</td>"));
    assert!(trip_page.body.contains("<td>已答复</td>"));
    assert!(
        trip_page
            .body
            .contains(&format!(r#"href="{url}">查看、办理…</a>"#))
    );

    // Another committee's organizer: no such finding, no such step.
    app.other_committee_organizer("13900083001").await;
    let stranger = Browser::new(&app);
    assert_eq!(
        stranger
            .sign_in("13900083001", MEMBER_PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(stranger.get(&url).await.status, 404);
    let their_csrf = stranger.get("/console/findings").await.csrf();
    let theirs = stranger
        .post(
            &url,
            &[
                ("csrf", &their_csrf),
                ("action", "adopted"),
                ("response", "x"),
            ],
        )
        .await;
    assert_eq!(theirs.status, 404);
    let their_queue = stranger.get("/console/findings").await;
    assert!(!their_queue.body.contains("水质检测频次不足"));
    // A finding id under another activity of ours is no page either.
    let training = app
        .published_activity(&office, json!({"title": "另一场培训"}), 3)
        .await;
    let elsewhere = format!("/console/activities/{}/findings/{}", training.id, sent.id);
    assert_eq!(browser.get(&elsewhere).await.status, 404);
}

async fn get_outcome(app: &TestApp, token: &str, id: impl std::fmt::Display) -> Outcome {
    json_ok(
        app.api(Method::GET, &format!("/activities/{id}/outcome"))
            .bearer_auth(token)
            .send()
            .await
            .expect("outcome"),
    )
    .await
}

async fn an_outreach_outcome_through_the_form(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    let outreach = app
        .published_activity(
            &office,
            json!({"kind": "outreach", "title": "卫生下乡：义诊", "theme": "health", "capacity": 5}),
            2,
        )
        .await;
    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    let activity_url = format!("/console/activities/{}", outreach.id);
    let url = format!("{activity_url}/outcome");
    let page = browser.get(&activity_url).await;
    assert!(page.body.contains("还没有填写成效。"), "{}", page.body);
    assert!(page.body.contains(&format!(r#"href="{url}">填写成效</a>"#)));

    let form = browser.get(&url).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains(r#"name="people_served" type="text" inputmode="numeric" value="0""#)
    );
    let csrf = form.csrf();
    let fields = |people: &'static str, consultations: &'static str, yuan: &'static str| {
        vec![
            ("people_served", people),
            ("consultations", consultations),
            ("materials_distributed", "500"),
            ("donated_value_yuan", yuan),
            ("notes", "在村卫生室开展义诊"),
        ]
    };

    let mut sent = fields("120", "30", "3500");
    assert_eq!(browser.post(&url, &sent).await.status, 403, "no token");
    sent.push(("csrf", &csrf));

    // What the form cannot read: said next to each field, the rest kept.
    let mut bad = fields("很多", "30", "三千");
    bad.push(("csrf", &csrf));
    let page = browser.post(&url, &bad).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains(r#"id="people_served-problem">请填写整数，如 120。"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"id="donated_value_yuan-problem">请填写金额（元），如 3500 或 3500.50。"#)
    );
    assert!(page.body.contains(r#"value="很多""#) && page.body.contains("在村卫生室开展义诊"));
    // What the domain refuses: next to its field.
    let mut negative = fields("120", "-3", "3500");
    negative.push(("csrf", &csrf));
    let page = browser.post(&url, &negative).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains(r#"id="consultations-problem">不能是负数。"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="-3""#));
    let mut huge = fields("120", "30", "2000000000000");
    huge.push(("csrf", &csrf));
    let page = browser.post(&url, &huge).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains(r#"id="donated_value_yuan-problem">金额应在 0 到 1 万亿元之间。"#)
    );
    // Nothing stored so far.
    let none = app
        .api(Method::GET, &format!("/activities/{}/outcome", outreach.id))
        .bearer_auth(&office)
        .send()
        .await
        .expect("outcome");
    assert_eq!(none.status(), 404);

    let mut good = fields("120", "30", "3,500.5元");
    good.push(("csrf", &csrf));
    let saved = browser.post(&url, &good).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        saved.location(),
        Some(format!("{activity_url}?done=outcome_saved").as_str())
    );
    let stored = get_outcome(&app, &office, outreach.id).await;
    assert_eq!(
        (
            stored.people_served,
            stored.consultations,
            stored.materials_distributed,
            stored.donated_value_yuan,
            stored.notes.as_str()
        ),
        (120, 30, 500, 3500.5, "在村卫生室开展义诊")
    );
    let page = browser
        .get(&format!("{activity_url}?done=outcome_saved"))
        .await;
    assert!(page.body.contains("成效已保存。"));
    assert!(page.body.contains("<dd>3500.5 元</dd>"), "{}", page.body);
    assert!(page.body.contains(&format!(r#"href="{url}">修改成效</a>"#)));
    // Prefilled with what is stored; photos the app sent survive a save here.
    let put = app
        .api(Method::PUT, &format!("/activities/{}/outcome", outreach.id))
        .bearer_auth(&office)
        .json(&json!({
            "people_served": 120, "consultations": 30, "materials_distributed": 500,
            "donated_value_yuan": 3500.5, "notes": "在村卫生室开展义诊",
            "photo_urls": ["https://example.org/1.jpg"],
        }))
        .send()
        .await
        .expect("put");
    assert!(put.status().is_success());
    let form = browser.get(&url).await;
    assert!(form.body.contains(r#"value="120""#) && form.body.contains(r#"value="3500.5""#));
    assert!(form.body.contains("已有 1 张现场照片"));
    let mut again = fields("150", "30", "0");
    again.push(("csrf", &csrf));
    assert_eq!(browser.post(&url, &again).await.status, 303);
    let stored = get_outcome(&app, &office, outreach.id).await;
    assert_eq!(stored.people_served, 150);
    assert_eq!(stored.donated_value_yuan, 0.0);
    assert_eq!(stored.photo_urls, ["https://example.org/1.jpg"]);

    // A draft has no outcome yet: the domain's refusal, in Chinese.
    let draft = app
        .create_activity(
            &office,
            json!({"kind": "outreach", "title": "科技下乡", "theme": "science_technology", "capacity": 3,
                   "starts_at": (app.clock.now() + chrono::Duration::hours(5)).to_rfc3339(),
                   "ends_at": (app.clock.now() + chrono::Duration::hours(7)).to_rfc3339()}),
        )
        .await;
    let page = browser
        .get(&format!("/console/activities/{}", draft.id))
        .await;
    assert!(page.body.contains("已发布或已结束的活动才能填写成效。"));
    let mut early = fields("1", "1", "1");
    early.push(("csrf", &csrf));
    let refused = browser
        .post(&format!("/console/activities/{}/outcome", draft.id), &early)
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused
            .body
            .contains("只有已发布或已结束的三下乡活动才能填写成效")
    );
    // A training has no outcome form: back to its page.
    let training = app
        .published_activity(&office, json!({"title": "学习培训"}), 3)
        .await;
    let elsewhere = browser
        .get(&format!("/console/activities/{}/outcome", training.id))
        .await;
    assert_eq!(elsewhere.status, 303);
    // Another committee's organizer: no such activity.
    app.other_committee_organizer("13900083002").await;
    let stranger = Browser::new(&app);
    assert_eq!(
        stranger
            .sign_in("13900083002", MEMBER_PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(stranger.get(&url).await.status, 404);
    let their_csrf = stranger.get("/console/findings").await.csrf();
    let mut theirs = fields("1", "1", "1");
    theirs.push(("csrf", &their_csrf));
    assert_eq!(stranger.post(&url, &theirs).await.status, 404);
    assert_eq!(
        get_outcome(&app, &office, outreach.id).await.people_served,
        150
    );
}

on_both_backends!(
    a_finding_from_the_queue_to_the_answer,
    an_outreach_outcome_through_the_form,
);
