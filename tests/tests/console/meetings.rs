//! 会议, 机构与届次, 请假审批, the quorum board and 民主评议 in the console,
//! over HTTP on both backends: bodies and their dated membership (an
//! overlap said next to the field), a meeting made with several sessions and
//! an invitee, published, its leave decided and recorded, rescheduled after
//! a confirmation and cancelled; the live quorum board and a session's
//! check-in screen; an appraisal round whose results appear only once it is
//! closed, then rectifications followed up.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use lvzhi_server::clock::Clock;
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::members::Role;
use lvzhi_tests::console::{Browser, Page};
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

const ORGANIZER: &str = "13900084001";

/// The committee's time (Asia/Shanghai, which keeps no summer time).
fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("offset"))
}

/// `2026-12-10T09:00`, as the form's `datetime-local` fields send it.
fn typed(t: DateTime<Utc>) -> String {
    local(t).format("%Y-%m-%dT%H:%M").to_string()
}

fn today(app: &TestApp) -> String {
    local(app.clock.now()).format("%Y-%m-%d").to_string()
}

/// A body of `members` (voting), made through the API.
pub(crate) async fn body_with(app: &TestApp, office: &str, members: &[&TokenPair]) -> String {
    let body: Value = json_ok(
        app.api(Method::POST, "/bodies")
            .bearer_auth(office)
            .json(&json!({"name": "第七届常务委员会", "kind": "standing", "term": "第七届"}))
            .send()
            .await
            .expect("body"),
    )
    .await;
    let id = body["id"].as_str().expect("body id").to_owned();
    let joined = (local(app.clock.now()) - Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    for m in members {
        let r = app
            .api(Method::POST, &format!("/bodies/{id}/members"))
            .bearer_auth(office)
            .json(&json!({"member_id": m.user.id, "joined_on": joined}))
            .send()
            .await
            .expect("body member");
        assert!(
            r.status().is_success(),
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
    id
}

/// A meeting of `body` whose first of two sessions starts in `minutes`,
/// published through the API.
pub(crate) async fn published_meeting(
    app: &TestApp,
    office: &str,
    body: &str,
    minutes: i64,
) -> Value {
    let start = app.clock.now() + Duration::minutes(minutes);
    let session = |from: DateTime<Utc>, title: &str| {
        json!({
            "title": title,
            "starts_at": local(from).to_rfc3339(),
            "ends_at": local(from + Duration::hours(3)).to_rfc3339(),
            "place": "县政协二楼会议室",
        })
    };
    let mut input = json!({
        "kind": "standing",
        "body_id": body,
        "title": "常委会第十二次会议",
        "agenda": "审议工作报告\n民主评议",
        "sessions": [session(start, "第一次全体会议"), session(start + Duration::hours(5), "分组讨论")],
    });
    if minutes < 48 * 60 {
        // The default deadline (two days before) would be past.
        input["leave_deadline"] = json!(local(start - Duration::minutes(1)).to_rfc3339());
    }
    let draft: Value = json_ok(
        app.api(Method::POST, "/meetings")
            .bearer_auth(office)
            .json(&input)
            .send()
            .await
            .expect("meeting"),
    )
    .await;
    let id = draft["id"].as_str().expect("meeting id");
    json_ok(
        app.api(Method::POST, &format!("/meetings/{id}/publish"))
            .bearer_auth(office)
            .send()
            .await
            .expect("publish"),
    )
    .await
}

/// A member asks for leave from the app (the whole meeting).
pub(crate) async fn ask_leave(app: &TestApp, member: &TokenPair, meeting: &str) {
    let r = app
        .api(Method::POST, &format!("/meetings/{meeting}/responses"))
        .bearer_auth(&member.access_token)
        .json(&json!({"answer": "leave", "reason": "出差在外"}))
        .send()
        .await
        .expect("answer");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
}

async fn signed_in(app: &TestApp) -> Browser {
    let browser = Browser::new(app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    browser
}

fn once(page: &Page) -> String {
    page.between(r#"name="once" value=""#, "\"")
}

async fn bodies_and_their_dated_membership(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let member = app.member_in("13900084002", Some("经济界")).await;
    let browser = signed_in(&app).await;

    let menu = browser.get("/console/today").await;
    assert!(menu.body.contains(r#"href="/console/meetings">会议</a>"#));
    assert!(menu.body.contains(r#"href="/console/leave">请假审批</a>"#));
    let list = browser.get("/console/bodies").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("还没有机构"));
    // A missing name is said next to it, the term kept.
    let csrf = list.csrf();
    let missing = browser
        .post(
            "/console/bodies",
            &[
                ("csrf", &csrf),
                ("once", &once(&list)),
                ("name", " "),
                ("kind", "standing"),
                ("term", "第七届"),
            ],
        )
        .await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(
        missing
            .body
            .contains(r#"<p class="problem-inline" id="name-problem">必填。</p>"#)
    );
    assert!(missing.body.contains(r#"value="第七届""#));
    let token = once(&list);
    let mut made = Vec::new();
    for _ in 0..2 {
        let created = browser
            .post(
                "/console/bodies",
                &[
                    ("csrf", &csrf),
                    ("once", &token),
                    ("name", "第七届常务委员会"),
                    ("kind", "standing"),
                    ("term", "第七届"),
                ],
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        made.push(created.location().expect("to the body").to_owned());
    }
    assert_eq!(made[0], made[1], "a double click makes one body");
    let url = made[0].split('?').next().expect("url").to_owned();
    let list = browser.get("/console/bodies").await;
    assert_eq!(list.body.matches("第七届常务委员会</a>").count(), 1);

    // The roster search offers the member; they join on a date.
    let found = browser.get(&format!("{url}?q=13900084002")).await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains(&member.user.name), "{}", found.body);
    assert!(found.body.contains("经济界"));
    let nobody = browser.get(&format!("{url}?q=不存在的人")).await;
    assert!(nobody.body.contains("没有找到"));
    let member_id = member.user.id.to_string();
    let add = |joined: &'static str, left: &'static str, page: Page| {
        let browser = &browser;
        let member_id = member_id.clone();
        let url = url.clone();
        async move {
            let fields = [
                ("csrf", page.csrf()),
                ("once", once(&page)),
                ("member_id", member_id),
                ("joined_on", joined.to_owned()),
                ("left_on", left.to_owned()),
                ("voting", "on".to_owned()),
            ];
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(&url, &fields).await
        }
    };
    let added = add("2026-01-01", "", browser.get(&url).await).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = browser.get(added.location().expect("back")).await;
    assert!(page.body.contains("成员已添加"));
    assert!(page.body.contains("2026-01-01"));
    // An overlapping stretch: the domain's refusal, next to the date.
    let overlap = add("2026-03-01", "", browser.get(&url).await).await;
    assert_eq!(overlap.status, 422);
    assert!(
        overlap.body.contains(
            r#"<p class="problem-inline" id="joined_on-problem">这位委员在这段日期里已是本机构成员"#
        ),
        "{}",
        overlap.body
    );
    // The member picked stays picked.
    assert!(overlap.body.contains(&member.user.name));
    let backwards = add("2020-03-01", "2020-01-01", browser.get(&url).await).await;
    assert_eq!(backwards.status, 422);
    assert!(backwards.body.contains("离任日期不能早于加入日期"));

    // Ending the membership: a date before joining is refused, then it ends.
    let end_url = format!("{url}/members/{}", member.user.id);
    let form = browser.get(&end_url).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(&today(&app)), "today is offered");
    let early = browser
        .post(
            &end_url,
            &[("csrf", &form.csrf()), ("left_on", "2025-12-31")],
        )
        .await;
    assert_eq!(early.status, 422);
    assert!(
        early
            .body
            .contains(r#"id="left_on-problem">离任日期不能早于加入日期"#)
    );
    let ended = browser
        .post(
            &end_url,
            &[("csrf", &form.csrf()), ("left_on", "2026-06-30")],
        )
        .await;
    assert_eq!(ended.status, 303, "{}", ended.body);
    let page = browser.get(ended.location().expect("back")).await;
    assert!(page.body.contains("2026-06-30"));
    assert!(!page.body.contains("记录离任…"), "no open stretch is left");
    // Ended already: the form says so instead.
    let again = browser.get(&end_url).await;
    assert!(again.body.contains("目前不是本机构成员"));
}

async fn a_meeting_planned_published_rescheduled_and_cancelled(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let members = [
        app.member_in("13900084011", None).await,
        app.member_in("13900084012", None).await,
        app.member_in("13900084013", None).await,
    ];
    let guest = app.member_in("13900084014", None).await;
    let body = body_with(
        &app,
        &office.access_token,
        &members.iter().collect::<Vec<_>>(),
    )
    .await;
    let browser = signed_in(&app).await;

    let form = browser.get("/console/meetings/new").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("第七届常务委员会（第七届，现有 3 人）"));
    assert_eq!(form.body.matches(r#"name="session_title""#).count(), 6);
    let day = app.clock.now() + Duration::days(5);
    let (s1, e1) = (typed(day), typed(day + Duration::hours(3)));
    let (s2, e2) = (
        typed(day + Duration::hours(5)),
        typed(day + Duration::hours(8)),
    );
    let csrf = form.csrf();
    let token = once(&form);
    let fields = |end2: &str, invitee: &str| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = [
            ("csrf", csrf.as_str()),
            ("once", token.as_str()),
            ("kind", "standing"),
            ("body_id", body.as_str()),
            ("title", "常委会第十二次会议"),
            // As a browser sends a textarea: CRLF line breaks.
            ("agenda", "审议工作报告\r\n协商议题"),
            ("leave_deadline", ""),
            ("invitees", invitee),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let rows = [
            (
                "第一次全体会议",
                s1.as_str(),
                e1.as_str(),
                "县政协二楼会议室",
            ),
            ("分组讨论", s2.as_str(), end2, "各组会议室"),
            ("", "", "", ""),
            ("", "", "", ""),
            ("", "", "", ""),
            ("", "", "", ""),
        ];
        for (t, s, e, p) in rows {
            f.push(("session_title".into(), t.into()));
            f.push(("session_starts_at".into(), s.into()));
            f.push(("session_ends_at".into(), e.into()));
            f.push(("session_place".into(), p.into()));
        }
        f
    };
    let post = |f: Vec<(String, String)>, url: String| {
        let browser = &browser;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            browser.post(&url, &f).await
        }
    };
    // The second row ends before it starts: the domain says so, by row.
    let wrong = post(fields(&s1, ""), "/console/meetings/new".into()).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong.body.contains("第 2 行：结束时间应晚于开始时间。"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains("审议工作报告"),
        "what was typed is kept"
    );
    let unknown = post(fields(&e2, "13900099999"), "/console/meetings/new".into()).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("“13900099999”找不到对应的委员"));
    // Made with a double click: one draft.
    let mut made = Vec::new();
    for _ in 0..2 {
        let created = post(fields(&e2, "13900084014"), "/console/meetings/new".into()).await;
        assert_eq!(created.status, 303, "{}", created.body);
        made.push(created.location().expect("to the meeting").to_owned());
    }
    assert_eq!(made[0], made[1]);
    let meeting_url = made[0].split('?').next().expect("url").to_owned();
    let meeting_id = meeting_url.rsplit('/').next().expect("id").to_owned();
    let draft = browser.get(&made[0]).await;
    assert!(draft.body.contains("会议已保存为草稿"));
    assert!(draft.body.contains("<strong>草稿</strong>"));
    assert!(draft.body.contains("分组讨论"));
    let list = browser.get("/console/meetings").await;
    assert_eq!(list.body.matches("常委会第十二次会议</a>").count(), 1);
    assert!(list.body.contains("草稿"));

    // Publishing: who will be told, then the notice.
    let confirm = browser.get(&format!("{meeting_url}/publish")).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains("「第七届常务委员会」"),
        "{}",
        confirm.body
    );
    let published = browser
        .post(
            &format!("{meeting_url}/publish"),
            &[("csrf", &confirm.csrf())],
        )
        .await;
    assert_eq!(published.status, 303);
    let page = browser.get(published.location().expect("back")).await;
    assert!(page.body.contains("会议通知已发出"));
    assert!(
        page.body.contains("应到 <strong>4</strong> 人"),
        "three members and the invitee"
    );
    assert!(page.body.contains("列席"));
    assert!(page.body.contains("打开签到屏"));
    let again = browser.get(&format!("{meeting_url}/publish")).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("不能再发布"));

    // Leave: two asked from the app, decided in the queue.
    ask_leave(&app, &members[0], &meeting_id).await;
    ask_leave(&app, &members[1], &meeting_id).await;
    let queue = browser.get("/console/leave").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains(&members[0].user.name));
    assert!(queue.body.contains("全部场次"));
    assert!(queue.body.contains("出差在外"));
    let first = queue.between(r#"action="/console/leave/"#, "\"");
    let refuse_bare = browser
        .post(
            &format!("/console/leave/{first}"),
            &[
                ("csrf", &queue.csrf()),
                ("decision", "refuse"),
                ("note", " "),
            ],
        )
        .await;
    assert_eq!(refuse_bare.status, 422);
    assert!(refuse_bare.body.contains("不准假时请写明理由"));
    let approved = browser
        .post(
            &format!("/console/leave/{first}"),
            &[
                ("csrf", &queue.csrf()),
                ("decision", "approve"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let queue = browser.get(approved.location().expect("back")).await;
    assert!(queue.body.contains("已准假"));
    let second = queue.between(r#"action="/console/leave/"#, "\"");
    let refused = browser
        .post(
            &format!("/console/leave/{second}"),
            &[
                ("csrf", &queue.csrf()),
                ("decision", "refuse"),
                ("note", "本次会议审议重要事项，请尽量参加"),
            ],
        )
        .await;
    assert_eq!(refused.status, 303);
    let queue = browser.get("/console/leave").await;
    assert!(queue.body.contains("没有待审批的请假"));
    // Deciding again: the domain's refusal, said on the queue.
    let twice = browser
        .post(
            &format!("/console/leave/{second}"),
            &[("csrf", &queue.csrf()), ("decision", "approve")],
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    assert!(twice.body.contains("会议当前的状态不允许这样操作"));

    // The office records leave for the third member, for the first session.
    let page = browser.get(&meeting_url).await;
    let session_one = page.between(r#"name="session" value=""#, "\"");
    let recorded = browser
        .post(
            &format!("{meeting_url}/leave"),
            &[
                ("csrf", &page.csrf()),
                ("once", &once(&page)),
                ("member_id", &members[2].user.id.to_string()),
                ("session", &session_one),
                ("reason", "电话请假：住院"),
            ],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    let page = browser.get(&meeting_url).await;
    assert!(page.body.contains("电话请假：住院"));
    assert!(page.body.contains("（办公室登记）"));
    assert!(page.body.contains("本次会议审议重要事项"));
    // Again for the same session: refused next to the form.
    let twice = browser
        .post(
            &format!("{meeting_url}/leave"),
            &[
                ("csrf", &page.csrf()),
                ("member_id", &members[2].user.id.to_string()),
                ("session", &session_one),
                ("reason", "再次"),
            ],
        )
        .await;
    assert_eq!(twice.status, 422);
    assert!(twice.body.contains("这位委员已有覆盖这些场次的请假"));
    let no_reason = browser
        .post(
            &format!("{meeting_url}/leave"),
            &[
                ("csrf", &page.csrf()),
                ("member_id", &guest.user.id.to_string()),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains(r#"id="reason-problem">必填。"#));
    // The grid: excused for the first session, still expected for the second.
    let grid = page.between(r#"id="grid-h""#, "</table>");
    let third = grid
        .split("<tr>")
        .find(|row| row.contains(&members[2].user.name))
        .expect("the third member's row");
    assert!(
        third.contains(r#"<td class="att-excused">请假</td><td class="att-expected">应到</td>"#),
        "{third}"
    );
    assert!(
        page.body.contains(
            "答复出席 <strong>0</strong>，请假 <strong>2</strong>，未答复 <strong>2</strong>"
        ),
        "refused leave asks again"
    );

    // Rescheduling: the confirmation says what is voided, then it is done.
    let edit = browser.get(&format!("{meeting_url}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("改动场次的时间或地点就是改期"));
    let later = day + Duration::days(1);
    let session_ids: Vec<String> = edit
        .body
        .split(r#"name="session_id" value=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().expect("id").to_owned())
        .collect();
    assert_eq!(session_ids.len(), 2);
    let mut change: Vec<(String, String)> = vec![
        ("csrf".into(), edit.csrf()),
        ("title".into(), "常委会第十二次会议".into()),
        ("agenda".into(), "审议工作报告".into()),
        (
            "leave_deadline".into(),
            edit.between(
                r#"name="leave_deadline" type="datetime-local" value=""#,
                "\"",
            ),
        ),
    ];
    for (id, (s, e, p)) in session_ids.iter().zip([
        (
            typed(later),
            typed(later + Duration::hours(3)),
            "县政协二楼会议室",
        ),
        (s2.clone(), e2.clone(), "各组会议室"),
    ]) {
        change.push(("session_id".into(), id.clone()));
        change.push(("session_starts_at".into(), s));
        change.push(("session_ends_at".into(), e));
        change.push(("session_place".into(), p.into()));
    }
    let url = format!("{meeting_url}/edit");
    let asked = post(change.clone(), url.clone()).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("确认改期并通知"));
    assert!(
        asked
            .body
            .contains("已提出的 <strong>3</strong> 条请假（其中已准假 2 条）全部作废"),
        "{}",
        asked.body
    );
    assert!(asked.body.contains("应到的 <strong>4</strong> 人"));
    let unchanged = browser.get(&meeting_url).await;
    assert!(
        unchanged.body.contains("电话请假：住院"),
        "nothing changed before the confirmation"
    );
    change.push(("confirmed".into(), "1".into()));
    let done = post(change, url).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = browser.get(done.location().expect("back")).await;
    assert!(page.body.contains("会议已改期"));
    assert_eq!(
        page.body.matches(r#"<td class="nowrap">已作废"#).count(),
        3,
        "every request voided"
    );
    assert!(page.body.contains("未答复 <strong>4</strong>"));

    // Cancelling needs a reason.
    let cancel = browser.get(&format!("{meeting_url}/cancel")).await;
    assert!(cancel.body.contains("应到的 <strong>4</strong> 人"));
    let bare = browser
        .post(
            &format!("{meeting_url}/cancel"),
            &[("csrf", &cancel.csrf()), ("reason", "")],
        )
        .await;
    assert_eq!(bare.status, 422);
    let cancelled = browser
        .post(
            &format!("{meeting_url}/cancel"),
            &[("csrf", &cancel.csrf()), ("reason", "与全会时间冲突")],
        )
        .await;
    assert_eq!(cancelled.status, 303);
    let page = browser.get(cancelled.location().expect("back")).await;
    assert!(page.body.contains("会议已取消"));
    assert!(!page.body.contains("修改或改期"));
    let list = browser.get("/console/meetings").await;
    assert!(list.body.contains("已取消"));
    let past = browser.get("/console/meetings?when=past").await;
    assert!(past.body.contains("没有已结束的会议"));
}

async fn the_quorum_board_and_a_sessions_checkin_screen(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let members = [
        app.member_in("13900084021", None).await,
        app.member_in("13900084022", None).await,
        app.member_in("13900084023", None).await,
    ];
    let body = body_with(
        &app,
        &office.access_token,
        &members.iter().collect::<Vec<_>>(),
    )
    .await;
    let meeting = published_meeting(&app, &office.access_token, &body, 30).await;
    let id = meeting["id"].as_str().expect("id");
    let session = meeting["sessions"][0]["id"].as_str().expect("session");
    ask_leave(&app, &members[2], id).await;
    let browser = signed_in(&app).await;

    let board = browser.get(&format!("/console/meetings/{id}/quorum")).await;
    assert_eq!(board.status, 200);
    assert!(board.body.contains(&format!(
        r#"hx-get="/console/meetings/{id}/quorum/live" hx-trigger="every 5s""#
    )));
    assert!(
        board
            .body
            .contains(r#"<noscript><meta http-equiv="refresh" content="20"></noscript>"#)
    );
    assert!(board.body.contains("应到表决委员过半数出席"));
    assert!(board.body.contains("尚有 1 条请假待审批"));
    assert_eq!(
        board.body.matches("未达法定人数").count(),
        2,
        "both sessions"
    );
    assert!(board.body.contains("<dt>法定人数</dt><dd>2</dd>"));

    let screen = browser
        .get(&format!("/console/meetings/{id}/checkin/{session}"))
        .await;
    assert_eq!(screen.status, 200);
    assert!(screen.body.contains("第一次全体会议"));
    assert!(
        screen.body.contains("data:image/svg+xml;base64,"),
        "the QR code"
    );
    assert!(
        !screen.body.contains("现在不在签到时间内"),
        "open from an hour before"
    );
    let digits = screen.between(r#"<p class="digits" aria-label="签到码 "#, "\"");
    assert_eq!(digits.len(), 6);
    for m in &members[..2] {
        let r = app
            .api(
                Method::POST,
                &format!("/meetings/{id}/sessions/{session}/checkins"),
            )
            .bearer_auth(&m.access_token)
            .json(&json!({"code": digits}))
            .send()
            .await
            .expect("check in");
        assert!(
            r.status().is_success(),
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
    let live = browser
        .get(&format!("/console/meetings/{id}/quorum/live"))
        .await;
    assert_eq!(live.status, 200);
    assert!(
        live.body.starts_with(r#"<div id="live""#),
        "only the part that changes"
    );
    assert_eq!(
        live.body.matches(">已达法定人数<").count(),
        1,
        "{}",
        live.body
    );
    assert!(
        live.body
            .contains(r#"<div class="present"><dt>已到</dt><dd>2</dd></div>"#)
    );
    let part = browser
        .get(&format!("/console/meetings/{id}/checkin/{session}/live"))
        .await;
    assert!(
        part.body.contains(r#"<span class="big">2</span> / 3"#),
        "{}",
        part.body
    );
    assert!(part.body.contains("已达法定人数"));
    // Another session's screen says when it opens.
    let later = meeting["sessions"][1]["id"].as_str().expect("session");
    let closed = browser
        .get(&format!("/console/meetings/{id}/checkin/{later}"))
        .await;
    assert!(closed.body.contains("现在不在签到时间内"));
    let nowhere = browser
        .get(&format!(
            "/console/meetings/{id}/checkin/{}",
            uuid::Uuid::now_v7()
        ))
        .await;
    assert_eq!(nowhere.status, 404);
}

async fn an_appraisal_round_closed_then_followed_up(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let members = [
        app.member_in("13900084031", None).await,
        app.member_in("13900084032", None).await,
        app.member_in("13900084033", None).await,
    ];
    let body = body_with(
        &app,
        &office.access_token,
        &members.iter().collect::<Vec<_>>(),
    )
    .await;
    let meeting = published_meeting(&app, &office.access_token, &body, 30).await;
    let meeting_id = meeting["id"].as_str().expect("id");
    let browser = signed_in(&app).await;

    let url = format!("/console/meetings/{meeting_id}/appraisals/new");
    let form = browser.get(&url).await;
    assert_eq!(form.status, 200);
    let none = browser
        .post(
            &url,
            &[
                ("csrf", &form.csrf()),
                ("once", &once(&form)),
                ("title", "年度民主评议"),
                ("departments", "\n \n"),
                ("electorate", "body"),
            ],
        )
        .await;
    assert_eq!(none.status, 422);
    assert!(
        none.body
            .contains(r#"id="departments-problem">请填写被评议的部门"#)
    );
    let created = browser
        .post(
            &url,
            &[
                ("csrf", &form.csrf()),
                ("once", &once(&form)),
                ("title", "年度民主评议"),
                ("departments", "县教育局\n县卫生健康局\n县住房城乡建设局\n"),
                ("electorate", "body"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let round_url = created
        .location()
        .expect("round")
        .split('?')
        .next()
        .expect("url")
        .to_owned();
    let round_id = round_url.rsplit('/').next().expect("id").to_owned();
    let page = browser.get(&round_url).await;
    assert!(page.body.contains("未开始"));
    assert!(
        page.body
            .contains("县教育局、县卫生健康局、县住房城乡建设局")
    );
    assert!(page.body.contains("可投 <strong>3</strong> 人"));
    let meeting_page = browser
        .get(&format!("/console/meetings/{meeting_id}"))
        .await;
    assert!(meeting_page.body.contains("年度民主评议</a>"));

    let opened = browser
        .post(&format!("{round_url}/open"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(opened.status, 303);
    let round: Value = json_ok(
        app.api(Method::GET, &format!("/appraisals/{round_id}"))
            .bearer_auth(&members[0].access_token)
            .send()
            .await
            .expect("round"),
    )
    .await;
    let departments: Vec<String> = round["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_owned())
        .collect();
    for (m, ratings) in members[..2].iter().zip([
        ["satisfied", "unsatisfied", "basically_satisfied"],
        ["satisfied", "unsatisfied", "unsatisfied"],
    ]) {
        let answers: Vec<Value> = departments
            .iter()
            .zip(ratings)
            .map(|(d, r)| json!({"department_id": d, "rating": r}))
            .collect();
        let r = app
            .api(Method::POST, &format!("/appraisals/{round_id}/ballots"))
            .bearer_auth(&m.access_token)
            .json(&json!({"answers": answers}))
            .send()
            .await
            .expect("ballot");
        assert!(
            r.status().is_success(),
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
    // While open: the count, never the tally.
    let page = browser.get(&round_url).await;
    assert!(page.body.contains("已投 <strong>2</strong> 票"));
    assert!(page.body.contains("结果在投票结束后显示"));
    assert!(!page.body.contains("满意率"), "no results before the close");
    assert!(!page.body.contains("整改事项"));

    let confirm = browser.get(&format!("{round_url}/close")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("目前已投 2 票，可投 3 人"));
    let closed = browser
        .post(&format!("{round_url}/close"), &[("csrf", &confirm.csrf())])
        .await;
    assert_eq!(closed.status, 303);
    let page = browser.get(closed.location().expect("back")).await;
    assert!(page.body.contains("已结束（有效）"));
    assert!(
        page.body.contains("投票率 <strong>66.7%</strong>"),
        "{}",
        page.body
    );
    let results = page.between(r#"<table class="results">"#, "</table>");
    let rows: Vec<&str> = results.split("<tr>").skip(2).collect();
    assert!(
        rows[0].contains("县教育局") && rows[0].contains("100.0%"),
        "{}",
        rows[0]
    );
    assert!(rows[1].contains("县住房城乡建设局") && rows[1].contains("50.0%"));
    assert!(rows[2].contains("县卫生健康局") && rows[2].contains("0.0%"));
    assert!(
        rows[2].contains(r#"<td class="num">3</td>"#),
        "ranked third"
    );
    let again = browser.get(&format!("{round_url}/close")).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("不在投票中"));

    // Rectifications: a missing date, then an item, then its follow-up.
    let department = page.between(r#"<option value=""#, "\"");
    let department = if department.is_empty() {
        page.between(r#"<option value="">请选择</option><option value=""#, "\"")
    } else {
        department
    };
    let add = format!("{round_url}/rectifications");
    let undated = browser
        .post(
            &add,
            &[
                ("csrf", &page.csrf()),
                ("once", &once(&page)),
                ("department_id", &department),
                ("item", "落实义务教育阶段课后服务"),
                ("due_on", ""),
            ],
        )
        .await;
    assert_eq!(undated.status, 422);
    assert!(undated.body.contains(r#"id="due_on-problem">必填。"#));
    assert!(undated.body.contains("落实义务教育阶段课后服务"));
    let added = browser
        .post(
            &add,
            &[
                ("csrf", &page.csrf()),
                ("once", &once(&page)),
                ("department_id", &department),
                ("item", "落实义务教育阶段课后服务"),
                ("due_on", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = browser.get(added.location().expect("back")).await;
    assert!(page.body.contains("整改事项已添加"));
    assert!(page.body.contains("2026-12-31"));
    let item_url = format!(
        "{round_url}/rectifications/{}",
        page.between(&format!(r#"action="{round_url}/rectifications/"#), "\"")
    );
    let nothing = browser
        .post(
            &item_url,
            &[
                ("csrf", &page.csrf()),
                ("status", "open"),
                ("was", "open"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(nothing.status, 422);
    assert!(nothing.body.contains("请填写跟进情况，或改变状态。"));
    let followed = browser
        .post(
            &item_url,
            &[
                ("csrf", &page.csrf()),
                ("status", "in_progress"),
                ("was", "open"),
                ("note", "已制定方案，下学期实施"),
            ],
        )
        .await;
    assert_eq!(followed.status, 303, "{}", followed.body);
    let page = browser.get(followed.location().expect("back")).await;
    assert!(page.body.contains("已制定方案，下学期实施"));
    let items = page.between(r#"id="items-h""#, "</table>");
    assert!(
        items.contains(r#"<td class="nowrap">整改中</td>"#),
        "{items}"
    );
}

on_both_backends!(
    bodies_and_their_dated_membership,
    a_meeting_planned_published_rescheduled_and_cancelled,
    the_quorum_board_and_a_sessions_checkin_screen,
    an_appraisal_round_closed_then_followed_up,
);
