//! 设置 › 下级政协 over HTTP on both backends: a city's admin sets up a
//! county with its first admin, issues that admin's code on the county's
//! page (again after a loss; the first stops working), and sees the county
//! in the tree once it is active; a refused form keeps what was typed.

use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::json;

async fn a_city_sets_up_a_county(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.bootstrap.committee_name = "某市政协".into();
        c.bootstrap.committee_level = "city".into();
    })
    .await;
    app.account(Role::Organizer, "13900086001").await;
    let organizer = Browser::new(&app);
    assert_eq!(
        organizer
            .sign_in("13900086001", MEMBER_PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(
        organizer.get("/console/settings/committees").await.status,
        403
    );
    let admin = Browser::new(&app);
    assert_eq!(
        admin
            .sign_in(&app.admin_phone, &app.admin_password)
            .await
            .status,
        303
    );
    let page = admin.get("/console/settings/committees").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("某市政协（本会）"));
    assert!(
        page.body
            .contains(r#"<option value="county">县级</option>"#)
    );
    assert!(
        !page.body.contains(r#"<option value="city">"#),
        "nothing at the city's own level"
    );
    let csrf = page.csrf();
    let once = page.between(r#"name="once" value=""#, "\"");

    // A taken phone: said next to it, the rest kept.
    let refused = admin
        .post(
            "/console/settings/committees",
            &[
                ("csrf", &csrf),
                ("once", &once),
                ("name", "政协某县委员会"),
                ("level", "county"),
                ("admin_name", "县管理员"),
                ("admin_phone", &app.admin_phone.clone()),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("这个手机号已有账号在用"));
    assert!(refused.body.contains(r#"value="政协某县委员会""#));

    // Set up, twice by a double click: one county.
    let form = [
        ("csrf", csrf.as_str()),
        ("once", "double-click-county"),
        ("name", "政协某县委员会"),
        ("level", "county"),
        ("admin_name", "县管理员"),
        ("admin_phone", "13900086002"),
    ];
    let first = admin.post("/console/settings/committees", &form).await;
    let second = admin.post("/console/settings/committees", &form).await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(first.location(), second.location());
    let county_url = first.location().expect("to the county").to_owned();
    let tree = admin.get("/console/settings/committees").await;
    assert_eq!(tree.body.matches("政协某县委员会</a>").count(), 1);

    // The county's page issues its admin's code; a second issue replaces it.
    let county = admin.get(&county_url).await;
    assert!(county.body.contains("管理员还没有激活账号"));
    let csrf_field = [("csrf", csrf.as_str())];
    let issue = || admin.post(&county_url, &csrf_field);
    let lost = issue().await;
    let lost_code = lost.between(r#"<p class="issued-code" role="status">"#, "<");
    let shown = issue().await;
    assert_eq!(shown.status, 200);
    let code = shown.between(r#"<p class="issued-code" role="status">"#, "<");
    assert_eq!(code.len(), 8);
    assert_ne!(code, lost_code);
    let activate = |code: String| {
        app.api(Method::POST, "/auth/activate")
            .json(&json!({"phone": "13900086002", "activation_code": code,
                          "new_password": MEMBER_PASSWORD}))
            .send()
    };
    assert_eq!(activate(lost_code).await.expect("activate").status(), 401);
    assert_eq!(activate(code).await.expect("activate").status(), 200);
    let county = admin.get(&county_url).await;
    assert!(county.body.contains("管理员已激活账号"));
    assert!(!county.body.contains("生成激活码"));
}

on_both_backends!(a_city_sets_up_a_county);
