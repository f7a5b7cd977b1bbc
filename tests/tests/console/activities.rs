//! 活动 in the console: the list, one activity's roster and waitlist, the
//! office's changes behind a confirmation that names who is told, the
//! activity's publish / cancel / complete, the roster file and the check-in
//! screen, on both backends.

use chrono::Duration;
use lvzhi_server::clock::Clock;
use lvzhi_shared::activities::{Activity, Roster, SignupStatus};
use lvzhi_shared::audit::{AuditAction, AuditPage, AuditVia};
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ORGANIZER: &str = "13900075001";

async fn signed_in(app: &TestApp) -> (Browser, String) {
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    let browser = Browser::new(app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    (browser, office)
}

fn status_of(roster: &Roster, member: MemberId) -> Option<SignupStatus> {
    roster
        .items
        .iter()
        .find(|e| e.member_id == member)
        .map(|e| e.status)
}

async fn the_office_changes_the_roster(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (browser, office) = signed_in(&app).await;
    let a = app
        .published_activity(
            &office,
            json!({"title": "政协委员读书会", "capacity": 1}),
            48,
        )
        .await;
    let ms = app.members("13900076", 3).await;
    for m in &ms {
        assert!(
            app.sign_up(&m.access_token, &a.id, None)
                .await
                .status()
                .is_success()
        );
    }
    let (first, waiting) = (&ms[0].user, &ms[1].user);

    let list = browser.get("/console/activities").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&format!(
        r#"<a href="/console/activities/{}">政协委员读书会</a>"#,
        a.id
    )));
    let page = browser.get(&format!("/console/activities/{}", a.id)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&first.name) && page.body.contains(&waiting.name));
    assert!(page.body.contains(&format!(
        "/console/activities/{}/promote/{}",
        a.id, waiting.id
    )));

    // The confirmation names the member and what they will be told.
    let promote = format!("/console/activities/{}/promote/{}", a.id, waiting.id);
    let confirm = browser.get(&promote).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains(&format!("将候补第 1 位的 {} 转为", waiting.name))
    );
    assert!(confirm.body.contains(&format!("<li>{}：", waiting.name)));

    // Without the form's token nothing happens.
    assert_eq!(browser.post(&promote, &[]).await.status, 403);
    let roster = app.roster(&office, a.id).await;
    assert_eq!(
        status_of(&roster, waiting.id),
        Some(SignupStatus::Waitlisted)
    );

    let done = browser.post(&promote, &[("csrf", &confirm.csrf())]).await;
    assert_eq!(done.status, 303);
    assert_eq!(
        done.location(),
        Some(format!("/console/activities/{}?done=promoted", a.id).as_str())
    );
    let roster = app.roster(&office, a.id).await;
    assert_eq!(
        status_of(&roster, waiting.id),
        Some(SignupStatus::Registered)
    );
    let after = browser.get(done.location().expect("location")).await;
    assert!(after.body.contains("已转为正式报名"));

    // Promoting again: refused, said in words, on the activity's page.
    let again = browser.post(&promote, &[("csrf", &confirm.csrf())]).await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("请刷新页面"), "{}", again.body);

    // Removing a registered member says the waitlist's first is told too.
    let remove = format!("/console/activities/{}/remove/{}", a.id, first.id);
    let confirm = browser.get(&remove).await;
    assert!(confirm.body.contains("候补名单上排在最前的委员"));
    let done = browser.post(&remove, &[("csrf", &confirm.csrf())]).await;
    assert_eq!(done.status, 303);
    let roster = app.roster(&office, a.id).await;
    assert_eq!(status_of(&roster, first.id), Some(SignupStatus::Removed));

    // Both are in the audit log, as done in the console.
    let admin = app.admin().await;
    let log: AuditPage = json_ok(
        app.api(Method::GET, "/audit-log")
            .bearer_auth(&admin.access_token)
            .send()
            .await
            .expect("audit"),
    )
    .await;
    let console_lines: Vec<AuditAction> = log
        .items
        .iter()
        .filter(|e| e.via == AuditVia::Console)
        .map(|e| e.action)
        .collect();
    assert_eq!(
        console_lines,
        [
            AuditAction::RemovedForMember,
            AuditAction::PromotedForMember
        ]
    );

    // Not someone on the roster, not an id, not ours: no such page.
    let stranger = format!("/console/activities/{}/promote/{}", a.id, ms[2].user.id);
    assert_eq!(
        browser.get(&stranger).await.status,
        200,
        "waitlisted: a real page"
    );
    let nobody = format!("/console/activities/{}/promote/{}", a.id, admin.user.id);
    assert_eq!(browser.get(&nobody).await.status, 404);
    assert_eq!(
        browser.get("/console/activities/not-an-id").await.status,
        404
    );
    let theirs = app.other_committee_organizer("13900077001").await;
    let outsider = Browser::new(&app);
    assert_eq!(
        outsider
            .sign_in("13900077001", MEMBER_PASSWORD)
            .await
            .status,
        303
    );
    let _ = theirs;
    let page = outsider.get(&format!("/console/activities/{}", a.id)).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("找不到页面"));
    let today = outsider.get("/console/today").await;
    let blocked = outsider.post(&promote, &[("csrf", &today.csrf())]).await;
    assert_eq!(blocked.status, 404);
}

async fn an_activity_is_published_cancelled_and_completed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (browser, office) = signed_in(&app).await;
    let starts = app.clock.now() + Duration::hours(3);
    let draft = app
        .create_activity(
            &office,
            json!({"kind": "training", "title": "草稿培训", "capacity": 5,
                   "starts_at": starts.to_rfc3339(),
                   "ends_at": (starts + Duration::hours(2)).to_rfc3339()}),
        )
        .await;
    let page_url = format!("/console/activities/{}", draft.id);
    let page = browser.get(&page_url).await;
    assert!(page.body.contains("发布活动"));
    let csrf = page.csrf();
    let published = browser
        .post(&format!("{page_url}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(published.status, 303);
    let get = || async {
        json_ok::<Activity>(
            app.api(Method::GET, &format!("/activities/{}", draft.id))
                .bearer_auth(&office)
                .send()
                .await
                .expect("activity"),
        )
        .await
    };
    assert_eq!(
        get().await.status,
        lvzhi_shared::activities::ActivityStatus::Published
    );

    // Completing before the start: refused on the page, in words.
    let early = browser
        .post(&format!("{page_url}/complete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(early.status, 409);
    assert!(early.body.contains("活动当前的状态不允许这样操作"));
    // Four hours on the clerk has signed in again (the session idled out).
    app.clock.advance(Duration::hours(4));
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    let csrf = browser.get(&page_url).await.csrf();
    let done = browser
        .post(&format!("{page_url}/complete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        done.location(),
        Some(format!("{page_url}?done=completed").as_str())
    );
    assert_eq!(
        get().await.status,
        lvzhi_shared::activities::ActivityStatus::Completed
    );

    // Cancelling needs a reason; the page keeps what was typed.
    let other = app
        .published_activity(&office, json!({"title": "待取消的视察", "capacity": 3}), 24)
        .await;
    let cancel = format!("/console/activities/{}/cancel", other.id);
    let form = browser.get(&cancel).await;
    assert!(
        form.body
            .contains(r#"<label for="reason">取消原因</label>"#)
    );
    let blank = browser
        .post(&cancel, &[("csrf", &form.csrf()), ("reason", "   ")])
        .await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("请写明取消的原因"));
    let done = browser
        .post(
            &cancel,
            &[("csrf", &form.csrf()), ("reason", "<b>下雨</b>，改期")],
        )
        .await;
    assert_eq!(done.status, 303);
    let page = browser
        .get(&format!("/console/activities/{}", other.id))
        .await;
    assert!(
        page.body
            .contains("取消原因：&#60;b&#62;下雨&#60;/b&#62;，改期")
            || page
                .body
                .contains("取消原因：&lt;b&gt;下雨&lt;/b&gt;，改期"),
        "{}",
        page.body
    );
}

async fn the_roster_file_and_the_checkin_screen(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (browser, office) = signed_in(&app).await;
    let a = app
        .published_activity(&office, json!({"title": "签到测试", "capacity": 5}), 1)
        .await;
    let ms = app.members("13900078", 2).await;
    for m in &ms {
        assert!(
            app.sign_up(&m.access_token, &a.id, None)
                .await
                .status()
                .is_success()
        );
    }
    let file = browser
        .get(&format!("/console/activities/{}/roster.xlsx", a.id))
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(
        file.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );

    app.clock.advance(Duration::minutes(20));
    let screen = browser
        .get(&format!("/console/activities/{}/checkin", a.id))
        .await;
    assert_eq!(screen.status, 200);
    assert!(
        screen
            .body
            .contains(r#"<img src="data:image/svg+xml;base64,"#)
    );
    assert!(!screen.body.contains("现在不在签到时间内"));
    let digits = screen.between(r#"<p class="digits" aria-label="签到码 "#, "\"");
    assert_eq!(digits.len(), 6);
    assert!(screen.body.contains(r#"<span class="big">0</span> / 2"#));

    // A member types the digits from the screen; the count follows.
    let r = app
        .api(Method::POST, &format!("/activities/{}/checkins", a.id))
        .bearer_auth(&ms[0].access_token)
        .json(&json!({"code": digits}))
        .send()
        .await
        .expect("check in");
    assert_eq!(r.status(), 200);
    let live = browser
        .get(&format!("/console/activities/{}/checkin/live", a.id))
        .await;
    assert_eq!(live.status, 200);
    assert!(live.body.trim_start().starts_with(r#"<div id="live""#));
    assert!(live.body.contains(r#"<span class="big">1</span> / 2"#));
}

async fn attendance_and_the_paper_sheet(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (browser, office) = signed_in(&app).await;
    let a = app
        .published_activity(&office, json!({"title": "出勤测试", "capacity": 5}), 1)
        .await;
    let ms = app.members("13900081", 3).await;
    for m in &ms {
        assert!(
            app.sign_up(&m.access_token, &a.id, None)
                .await
                .status()
                .is_success()
        );
    }
    let url = format!("/console/activities/{}/attendance", a.id);
    let before = browser.get(&url).await;
    assert_eq!(before.status, 200);
    assert!(before.body.contains("活动开始后才能登记出勤"));
    let field = |m: usize| format!("m.{}", ms[m].user.id);
    let early = browser
        .post(&url, &[("csrf", &before.csrf()), (&field(0), "attended")])
        .await;
    assert_eq!(early.status, 409);

    app.clock.advance(Duration::hours(2));
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    let page = browser.get(&url).await;
    assert!(page.body.contains(&format!(
        r#"<label for="m-{}-absent" class="visually-hidden">"#,
        ms[1].user.id
    )));
    let saved = browser
        .post(
            &url,
            &[
                ("csrf", &page.csrf()),
                (&field(0), "attended"),
                (&field(1), "absent"),
            ],
        )
        .await;
    assert_eq!(
        saved.location(),
        Some(format!("{url}?done=marked").as_str())
    );
    let marks = |roster: &Roster| -> Vec<Option<lvzhi_shared::activities::Attendance>> {
        ms.iter()
            .map(|m| {
                roster
                    .items
                    .iter()
                    .find(|e| e.member_id == m.user.id)
                    .and_then(|e| e.attendance)
            })
            .collect()
    };
    use lvzhi_shared::activities::Attendance::{Absent, Attended};
    assert_eq!(
        marks(&app.roster(&office, a.id).await),
        [Some(Attended), Some(Absent), None]
    );
    let shown = browser.get(&format!("{url}?done=marked")).await;
    assert!(shown.body.contains("出勤已保存"));
    assert!(shown.body.contains(&format!(
        r#"name="m.{}" value="absent" checked"#,
        ms[1].user.id
    )));
    let all = browser
        .post(&url, &[("csrf", &shown.csrf()), ("all", "attended")])
        .await;
    assert_eq!(all.status, 303);
    assert_eq!(
        marks(&app.roster(&office, a.id).await),
        [Some(Attended), Some(Attended), Some(Attended)]
    );

    let sheet = browser
        .get(&format!("/console/activities/{}/sheet", a.id))
        .await;
    assert_eq!(sheet.status, 200);
    assert!(sheet.body.contains("签到表") && sheet.body.contains("共 3 人"));
    for m in &ms {
        assert!(sheet.body.contains(&m.user.name));
    }
}

on_both_backends!(
    the_office_changes_the_roster,
    an_activity_is_published_cancelled_and_completed,
    the_roster_file_and_the_checkin_screen,
    attendance_and_the_paper_sheet,
);
