//! 设置 in the console, the admin's: committee settings and sectors saved
//! (read back through the API), roles changed and the change in the audit
//! log screen, errors next to the field with what was typed kept, CSRF, and
//! organizers refused; on both backends.

use lvzhi_shared::audit::{AuditAction, AuditPage, AuditVia};
use lvzhi_shared::committees::{Committee, Language, Sector};
use lvzhi_shared::members::{Member, Role};
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;

const ORGANIZER: &str = "13900093001";
const PAGES: [&str; 4] = [
    "/console/settings",
    "/console/settings/sectors",
    "/console/settings/accounts",
    "/console/settings/audit",
];

async fn as_admin(app: &TestApp) -> Browser {
    let browser = Browser::new(app);
    assert_eq!(
        browser
            .sign_in(&app.admin_phone, &app.admin_password)
            .await
            .status,
        303
    );
    browser
}

async fn api_get<T: serde::de::DeserializeOwned>(app: &TestApp, token: &str, path: &str) -> T {
    let r = app
        .api(Method::GET, path)
        .bearer_auth(token)
        .send()
        .await
        .expect("api");
    json_ok(r).await
}

async fn only_the_admin_opens_settings(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let organizer = Browser::new(&app);
    assert_eq!(
        organizer.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    let today = organizer.get("/console/today").await;
    assert!(!today.body.contains("/console/settings"), "not in the menu");
    for page in PAGES {
        let refused = organizer.get(page).await;
        assert_eq!(refused.status, 403, "{page}");
        assert!(refused.body.contains("无权访问"), "{page}");
    }
    // Nor by posting, even with a good token.
    let csrf = today.csrf();
    let posted = organizer
        .post(
            "/console/settings",
            &[
                ("csrf", &csrf),
                ("language", "en"),
                ("quiet_start", ""),
                ("quiet_end", ""),
            ],
        )
        .await;
    assert_eq!(posted.status, 403);
    let sector = organizer
        .post(
            "/console/settings/sectors",
            &[("csrf", &csrf), ("name", "组织员加的界别")],
        )
        .await;
    assert_eq!(sector.status, 403);
    let admin_token = app.admin().await.access_token;
    let sectors: Vec<Sector> = api_get(&app, &admin_token, "/sectors").await;
    assert!(!sectors.iter().any(|s| s.name == "组织员加的界别"));

    let admin = as_admin(&app).await;
    let today = admin.get("/console/today").await;
    assert!(
        today
            .body
            .contains(r#"<a href="/console/settings">设置</a>"#)
    );
    for page in PAGES {
        let shown = admin.get(page).await;
        assert_eq!(shown.status, 200, "{page}");
        assert!(
            shown
                .body
                .contains(r#"<a href="/console/settings" aria-current="page">设置</a>"#),
            "{page}"
        );
    }
    // Anonymous visitors are sent to sign in, as for every console page.
    for page in PAGES.iter().chain(&["/console/stats"]) {
        let anonymous = Browser::new(&app).get(page).await;
        assert_eq!(anonymous.status, 303, "{page}");
        assert!(
            anonymous
                .location()
                .is_some_and(|l| l.starts_with("/console/login?next=")),
            "{page}"
        );
    }
}

async fn committee_settings_and_sectors_are_saved(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.admin().await.access_token;
    let browser = as_admin(&app).await;
    let form = browser.get("/console/settings").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains(r#"<option value="zh" selected>中文</option>"#)
    );

    // Without the form's token nothing changes.
    let forged = browser
        .post(
            "/console/settings",
            &[
                ("language", "en"),
                ("quiet_start", "22:00"),
                ("quiet_end", "07:00"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("页面已过期"));
    let committee: Committee = api_get(&app, &token, "/committee").await;
    assert_eq!(committee.language, Language::Zh);

    // A time that is not one: said next to its field, both kept.
    let csrf = form.csrf();
    let wrong = browser
        .post(
            "/console/settings",
            &[
                ("csrf", &csrf),
                ("language", "en"),
                ("quiet_start", "25:00"),
                ("quiet_end", "07:00"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains(
            r#"<p class="problem-inline" id="start-problem">请按“时:分”填写，如 22:00。</p>"#
        ),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains(r#"value="25:00""#));
    assert!(wrong.body.contains(r#"value="07:00""#));
    assert!(
        wrong
            .body
            .contains(r#"<option value="en" selected>English</option>"#)
    );
    let same = browser
        .post(
            "/console/settings",
            &[
                ("csrf", &csrf),
                ("language", "zh"),
                ("quiet_start", "22:00"),
                ("quiet_end", "22:00"),
            ],
        )
        .await;
    assert_eq!(same.status, 422);
    assert!(
        same.body
            .contains(r#"id="end-problem">结束时间不能与开始时间相同。"#)
    );
    let half = browser
        .post(
            "/console/settings",
            &[
                ("csrf", &csrf),
                ("language", "zh"),
                ("quiet_start", "22:00"),
                ("quiet_end", ""),
            ],
        )
        .await;
    assert_eq!(half.status, 422);
    assert!(half.body.contains(r#"id="end-problem">"#));
    let committee: Committee = api_get(&app, &token, "/committee").await;
    assert_eq!(committee.quiet_hours_start, None, "nothing saved yet");

    let saved = browser
        .post(
            "/console/settings",
            &[
                ("csrf", &csrf),
                ("language", "en"),
                ("quiet_start", "22:00"),
                ("quiet_end", "07:00"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert_eq!(saved.location(), Some("/console/settings?done=1"));
    let committee: Committee = api_get(&app, &token, "/committee").await;
    assert_eq!(committee.language, Language::En);
    assert_eq!(committee.quiet_hours_start.as_deref(), Some("22:00"));
    assert_eq!(committee.quiet_hours_end.as_deref(), Some("07:00"));
    let shown = browser.get("/console/settings?done=1").await;
    assert!(shown.body.contains("设置已保存。"));
    assert!(shown.body.contains(r#"value="22:00""#));
    assert!(
        shown
            .body
            .contains(r#"<option value="en" selected>English</option>"#)
    );
    // Both empty: quiet hours off.
    let off = browser
        .post(
            "/console/settings",
            &[
                ("csrf", &csrf),
                ("language", "en"),
                ("quiet_start", ""),
                ("quiet_end", ""),
            ],
        )
        .await;
    assert_eq!(off.status, 303);
    let committee: Committee = api_get(&app, &token, "/committee").await;
    assert_eq!(committee.quiet_hours_start, None);
    assert_eq!(committee.report_max_chars, 1500, "an omitted limit is kept");

    // The report length limit: a number in range, or told next to the field.
    for (typed, status) in [("十五", 422), ("50", 422), ("2000", 303)] {
        let r = browser
            .post(
                "/console/settings",
                &[
                    ("csrf", &csrf),
                    ("language", "zh"),
                    ("quiet_start", ""),
                    ("quiet_end", ""),
                    ("report_max_chars", typed),
                ],
            )
            .await;
        assert_eq!(r.status, status, "{typed}");
        if status == 422 {
            assert!(
                r.body.contains("请填写 100 至 20000 之间的整数。"),
                "{typed}"
            );
        }
    }
    let committee: Committee = api_get(&app, &token, "/committee").await;
    assert_eq!(committee.report_max_chars, 2000);
    assert!(
        browser
            .get("/console/settings")
            .await
            .body
            .contains(r#"value="2000""#)
    );

    // Sectors. Markup is refused by the rule (no angle brackets), and what
    // was typed comes back as text, never as markup.
    let hostile = "<script>alert(1)</script>侨联界";
    let list = browser.get("/console/settings/sectors").await;
    assert!(list.body.contains("<li>科技界</li>"));
    let refused = browser
        .post(
            "/console/settings/sectors",
            &[("csrf", &list.csrf()), ("name", hostile)],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        !refused.body.contains("<script>alert"),
        "markup must be escaped"
    );
    assert!(
        refused
            .body
            .contains(r#"id="name-problem">名称里不能有尖括号（< >）或控制字符。"#)
            || refused
                .body
                .contains(r#"id="name-problem">名称里不能有尖括号（&#60; &#62;）或控制字符。"#),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains(r#"value="&#60;script&#62;alert(1)&#60;/script&#62;侨联界""#)
            || refused
                .body
                .contains(r#"value="&lt;script&gt;alert(1)&lt;/script&gt;侨联界""#),
        "kept, as text"
    );
    // Quotes and ampersands are allowed, and must not break out of the page.
    let quoted = r#""侨联"&台胞界"#;
    let escaped = ["&#34;侨联&#34;&#38;台胞界", "&quot;侨联&quot;&amp;台胞界"];
    let added = browser
        .post(
            "/console/settings/sectors",
            &[("csrf", &list.csrf()), ("name", quoted)],
        )
        .await;
    assert_eq!(added.status, 303);
    assert_eq!(added.location(), Some("/console/settings/sectors?done=1"));
    let sectors: Vec<Sector> = api_get(&app, &token, "/sectors").await;
    assert!(sectors.iter().any(|s| s.name == quoted));
    let list = browser.get("/console/settings/sectors?done=1").await;
    assert!(list.body.contains("界别已添加。"));
    assert!(!list.body.contains(quoted));
    assert!(
        escaped
            .iter()
            .any(|e| list.body.contains(&format!("<li>{e}</li>"))),
        "{}",
        list.body
    );
    // Twice, and empty: said next to the field, what was typed kept.
    let again = browser
        .post(
            "/console/settings/sectors",
            &[("csrf", &list.csrf()), ("name", quoted)],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains(r#"id="name-problem">已有这个界别。"#));
    assert!(
        escaped
            .iter()
            .any(|e| again.body.contains(&format!(r#"value="{e}""#)))
    );
    let empty = browser
        .post(
            "/console/settings/sectors",
            &[("csrf", &list.csrf()), ("name", "  ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("请填写界别名称。"));
    let forged = browser
        .post("/console/settings/sectors", &[("name", "无令牌界")])
        .await;
    assert_eq!(forged.status, 403);
    let sectors: Vec<Sector> = api_get(&app, &token, "/sectors").await;
    assert!(!sectors.iter().any(|s| s.name == "无令牌界"));
}

async fn roles_change_and_the_audit_log_shows_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let token = admin.access_token.clone();
    let organizer = app.account(Role::Organizer, ORGANIZER).await;
    let member = app.member_in("13900093002", Some("科技界")).await;
    let browser = as_admin(&app).await;

    let page = browser.get("/console/settings/accounts").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&organizer.user.name));
    assert!(
        !page.body.contains(&member.user.name),
        "members are not office accounts"
    );
    assert!(page.body.contains(r#"<span class="hint">本人</span>"#));
    assert!(
        !page
            .body
            .contains(&format!(r#"name="member" value="{}""#, admin.user.id)),
        "no form to change one's own role"
    );
    let csrf = page.csrf();

    // A member made an organizer by phone number.
    let made = browser
        .post(
            "/console/settings/accounts",
            &[
                ("csrf", &csrf),
                ("phone", "13900093002"),
                ("role", "organizer"),
            ],
        )
        .await;
    assert_eq!(made.status, 303);
    assert_eq!(made.location(), Some("/console/settings/accounts?done=1"));
    let read: Member = api_get(&app, &token, &format!("/members/{}", member.user.id)).await;
    assert_eq!(read.role, Role::Organizer);
    let shown = browser.get("/console/settings/accounts?done=1").await;
    assert!(shown.body.contains("角色已修改"));
    assert!(shown.body.contains(&member.user.name));

    // An organizer made a member again, from their row.
    let row_form = format!(r#"name="member" value="{}""#, organizer.user.id);
    assert!(shown.body.contains(&row_form));
    let back = browser
        .post(
            "/console/settings/accounts",
            &[
                ("csrf", &csrf),
                ("member", &organizer.user.id.to_string()),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(back.status, 303);
    let read: Member = api_get(&app, &token, &format!("/members/{}", organizer.user.id)).await;
    assert_eq!(read.role, Role::Member);

    // Refusals, next to the field, what was typed kept.
    let unknown = browser
        .post(
            "/console/settings/accounts",
            &[("csrf", &csrf), ("phone", "13900093999"), ("role", "admin")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(
        unknown
            .body
            .contains(r#"id="phone-problem">本会没有使用这个手机号的账号。"#)
    );
    assert!(unknown.body.contains(r#"value="13900093999""#));
    assert!(
        unknown
            .body
            .contains(r#"<option value="admin" selected>管理员</option>"#)
    );
    let other = app.other_committee_organizer("13900093100").await;
    let theirs = browser
        .post(
            "/console/settings/accounts",
            &[
                ("csrf", &csrf),
                ("phone", &other.user.phone),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(
        theirs.status, 422,
        "another committee's account is not found"
    );
    assert!(theirs.body.contains("本会没有使用这个手机号的账号。"));
    let mine = browser
        .post(
            "/console/settings/accounts",
            &[
                ("csrf", &csrf),
                ("member", &admin.user.id.to_string()),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(mine.status, 422);
    assert!(mine.body.contains(&format!(
        r#"<p class="problem-inline" id="problem-{}">不能修改自己的角色。</p>"#,
        admin.user.id
    )));
    let forged = browser
        .post(
            "/console/settings/accounts",
            &[("phone", "13900093002"), ("role", "admin")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let read: Member = api_get(&app, &token, &format!("/members/{}", member.user.id)).await;
    assert_eq!(read.role, Role::Organizer, "unchanged without the token");

    // The audit log: both changes, made here, newest first.
    let log = browser.get("/console/settings/audit").await;
    assert_eq!(log.status, 200);
    let promoted = format!("{}：委员 → 工作人员", member.user.name);
    let demoted = format!("{}：工作人员 → 委员", organizer.user.name);
    assert!(log.body.contains(&promoted), "{}", log.body);
    assert!(log.body.contains(&demoted));
    assert!(
        log.body.find(&demoted) < log.body.find(&promoted),
        "newest first"
    );
    assert_eq!(log.body.matches(">修改角色</td>").count(), 2);
    assert_eq!(log.body.matches(">管理后台</td>").count(), 2);
    let api_log: AuditPage = api_get(&app, &token, "/audit-log").await;
    let roles: Vec<_> = api_log
        .items
        .iter()
        .filter(|e| e.action == AuditAction::RoleChanged)
        .collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.iter().all(|e| e.via == AuditVia::Console));
    // Paged, 50 a page: 50 more changes through the API, then the older page.
    for i in 0..50 {
        let role = if i % 2 == 0 { "member" } else { "organizer" };
        let r = app
            .api(Method::PATCH, &format!("/members/{}", member.user.id))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "role": role }))
            .send()
            .await
            .expect("role");
        let _: Member = json_ok(r).await;
    }
    let newest = browser.get("/console/settings/audit").await;
    assert_eq!(
        newest.body.matches("<tr>").count(),
        1 + 50,
        "header and 50 lines"
    );
    assert_eq!(newest.body.matches(">App</td>").count(), 50);
    let older = newest.between(r#"href="/console/settings/audit?cursor="#, "\"");
    let page_two = browser
        .get(&format!("/console/settings/audit?cursor={older}"))
        .await;
    assert_eq!(page_two.status, 200);
    assert!(page_two.body.contains(&promoted) && page_two.body.contains(&demoted));
    assert!(
        page_two
            .body
            .contains(r#"href="/console/settings/audit">最新的记录</a>"#)
    );
    assert!(!page_two.body.contains("更早的记录"));
    assert_eq!(
        browser
            .get("/console/settings/audit?cursor=not-a-cursor")
            .await
            .status,
        404
    );
}

on_both_backends!(
    only_the_admin_opens_settings,
    committee_settings_and_sectors_are_saved,
    roles_change_and_the_audit_log_shows_it,
);
