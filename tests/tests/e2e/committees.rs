//! The committee hierarchy through the HTTP API on both backends: a province
//! creates a city, whose own admin (activated with the code the province was
//! given) creates a county; each reads only its own tree; bad input is
//! refused with the field at fault and stores nothing.

use lvzhi_shared::audit::AuditPage;
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::committees::{
    Committee, CommitteeCreated, CommitteeLevel, CommitteeTree, Language, Sector,
};
use lvzhi_shared::members::{ActivationCode, MemberPage};
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_backends!(
    a_province_its_city_and_the_citys_county,
    bad_committees_store_nothing
);

async fn post(app: &TestApp, token: &str, body: Value) -> Response {
    app.api(Method::POST, "/committees")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("create committee")
}

async fn get<T: serde::de::DeserializeOwned>(app: &TestApp, token: &str, path: &str) -> T {
    json_ok(
        app.api(Method::GET, path)
            .bearer_auth(token)
            .send()
            .await
            .expect("get"),
    )
    .await
}

/// The new committee's admin activates their account with the code given.
async fn activate(app: &TestApp, created: &CommitteeCreated) -> TokenPair {
    json_ok(
        app.api(Method::POST, "/auth/activate")
            .json(&json!({
                "phone": created.admin.phone,
                "activation_code": created.admin.code,
                "new_password": MEMBER_PASSWORD,
            }))
            .send()
            .await
            .expect("activate"),
    )
    .await
}

fn names(tree: &CommitteeTree) -> Vec<(String, i32)> {
    tree.items
        .iter()
        .map(|n| (n.name.clone(), n.depth))
        .collect()
}

async fn a_province_its_city_and_the_citys_county(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.bootstrap.committee_name = "省政协".into();
        c.bootstrap.committee_level = "provincial".into();
    })
    .await;
    let province = app.admin().await;
    let r = post(
        &app,
        &province.access_token,
        json!({"name": "市政协", "level": "city", "admin_name": "市管理员", "admin_phone": "13900061001"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let city: CommitteeCreated = r.json().await.expect("created");
    assert_eq!(city.committee.parent_id, Some(province.user.committee_id));
    assert_eq!(city.committee.level, CommitteeLevel::City);
    assert_eq!(
        city.committee.time_zone, "Asia/Shanghai",
        "the parent's zone"
    );
    assert_eq!(city.admin.code.len(), 8);

    // A lost code: the province issues another, and only the new one works.
    let reissue = |who: String, committee: String| {
        let app = &app;
        async move {
            app.api(
                Method::POST,
                &format!("/committees/{committee}/admin-activation-code"),
            )
            .bearer_auth(who)
            .send()
            .await
            .expect("reissue")
        }
    };
    let fresh: ActivationCode =
        json_ok(reissue(province.access_token.clone(), city.committee.id.to_string()).await).await;
    assert_eq!(fresh.member_id, city.admin.member_id);
    let stale = app
        .api(Method::POST, "/auth/activate")
        .json(
            &json!({"phone": city.admin.phone, "activation_code": city.admin.code,
                      "new_password": MEMBER_PASSWORD}),
        )
        .send()
        .await
        .expect("activate");
    assert_eq!(stale.status(), 401, "the first code stopped working");
    let city = CommitteeCreated {
        admin: fresh,
        ..city
    };

    // The city's admin signs in with the code and sees the city, not the province.
    let city_admin = activate(&app, &city).await;
    // Once activated, codes are the city's own business.
    let r = reissue(province.access_token.clone(), city.committee.id.to_string()).await;
    expect_error(r, 409, "invalid_transition").await;
    // Nobody reaches above or beside: the city cannot issue the province's codes.
    let r = reissue(
        city_admin.access_token.clone(),
        province.user.committee_id.to_string(),
    )
    .await;
    expect_error(r, 404, "not_found").await;
    assert_eq!(city_admin.user.committee_id, city.committee.id);
    let mine: Committee = get(&app, &city_admin.access_token, "/committee").await;
    assert_eq!(mine.name, "市政协");
    let sectors: Vec<Sector> = get(&app, &city_admin.access_token, "/sectors").await;
    assert_eq!(sectors.len(), 19, "the standard sectors");
    let tree: CommitteeTree = get(&app, &city_admin.access_token, "/committees").await;
    assert_eq!(names(&tree), vec![("市政协".to_owned(), 0)]);
    assert_eq!(
        tree.items[0].parent_id, None,
        "the province is not the city's to see"
    );
    assert_eq!(tree.items[0].accounts, 1);

    // The city creates two counties, one with its own sectors, zone and language.
    let r = post(
        &app,
        &city_admin.access_token,
        json!({"name": "乙县政协", "level": "county", "admin_name": "乙县管理员",
               "admin_phone": "13900061002", "sectors": ["经济界", "农业界"],
               "time_zone": "Asia/Urumqi", "language": "en"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let county: CommitteeCreated = r.json().await.expect("created");
    assert_eq!(county.committee.time_zone, "Asia/Urumqi");
    assert_eq!(county.committee.language, Language::En);
    let county_admin = activate(&app, &county).await;
    let sectors: Vec<Sector> = get(&app, &county_admin.access_token, "/sectors").await;
    let sector_names: Vec<&str> = sectors.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(sector_names, ["经济界", "农业界"]);
    // The province may place a county under the city too.
    let r = post(
        &app,
        &province.access_token,
        json!({"name": "甲县政协", "level": "county", "parent_id": city.committee.id,
               "admin_name": "甲县管理员", "admin_phone": "13900061003"}),
    )
    .await;
    assert_eq!(r.status(), 201);

    // Each reads its own tree, parents before children, children by name.
    let from_province: CommitteeTree = get(&app, &province.access_token, "/committees").await;
    assert_eq!(
        names(&from_province),
        vec![
            ("省政协".to_owned(), 0),
            ("市政协".to_owned(), 1),
            ("乙县政协".to_owned(), 2),
            ("甲县政协".to_owned(), 2),
        ]
    );
    let from_city: CommitteeTree = get(&app, &city_admin.access_token, "/committees").await;
    assert_eq!(from_city.items.len(), 3);
    assert_eq!(from_city.items[1].parent_id, Some(city.committee.id));
    let from_county: CommitteeTree = get(&app, &county_admin.access_token, "/committees").await;
    assert_eq!(names(&from_county), vec![("乙县政协".to_owned(), 0)]);

    // Nothing of one committee shows in another: the county's roster holds its own.
    let roster: MemberPage = get(&app, &county_admin.access_token, "/members").await;
    let phones: Vec<&str> = roster.items.iter().map(|m| m.phone.as_str()).collect();
    assert_eq!(phones, ["13900061002"]);
    // A county is the lowest level: nothing below it.
    let r = post(
        &app,
        &county_admin.access_token,
        json!({"name": "某乡", "level": "county", "admin_name": "某人", "admin_phone": "13900061009"}),
    )
    .await;
    let e = expect_error(r, 422, "level_not_below_parent").await;
    assert_eq!(e.field.as_deref(), Some("level"));

    let log: AuditPage = get(&app, &province.access_token, "/audit-log").await;
    assert_eq!(
        log.items
            .iter()
            .filter(|e| e.action.as_str() == "committee_created")
            .count(),
        2,
        "the province's log has its two creations, not the city's"
    );
}

async fn bad_committees_store_nothing(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.bootstrap.committee_level = "city".into()).await;
    let admin = app.admin().await;
    let token = admin.access_token.clone();
    let stranger = app.other_committee_organizer("13900062900").await;
    let organizer = app
        .account(lvzhi_shared::members::Role::Organizer, "13900062901")
        .await;
    let good = || json!({"name": "某县政协", "level": "county", "admin_name": "县管理员", "admin_phone": "13900062001"});
    let with = |key: &str, value: Value| {
        let mut body = good();
        body[key] = value;
        body
    };
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (with("name", json!("  ")), 422, "field_required", "name"),
        (
            with("level", json!("city")),
            422,
            "level_not_below_parent",
            "level",
        ),
        (
            with("parent_id", json!(stranger.user.committee_id)),
            422,
            "unknown_committee",
            "parent_id",
        ),
        (
            with("time_zone", json!("Mars/Olympus")),
            422,
            "invalid_field",
            "time_zone",
        ),
        (with("sectors", json!([])), 422, "field_required", "sectors"),
        (
            with("sectors", json!(["经济界", "经济界"])),
            409,
            "sector_exists",
            "sectors[1]",
        ),
        (
            with("admin_phone", json!("12345")),
            422,
            "invalid_phone",
            "admin_phone",
        ),
        (
            with("admin_phone", json!(app.admin_phone.clone())),
            409,
            "phone_taken",
            "admin_phone",
        ),
        (
            with("admin_name", json!("")),
            422,
            "field_required",
            "admin_name",
        ),
    ];
    for (body, status, code, field) in cases {
        let e = expect_error(post(&app, &token, body.clone()).await, status, code).await;
        assert_eq!(e.field.as_deref(), Some(field), "{body}");
    }
    // Only an admin creates committees.
    let r = post(&app, &organizer.access_token, good()).await;
    assert_eq!(r.status(), 403);
    let tree: CommitteeTree = get(&app, &token, "/committees").await;
    assert_eq!(tree.items.len(), 1, "nothing refused was stored");
    // The good one, once; the same admin phone again is taken.
    assert_eq!(post(&app, &token, good()).await.status(), 201);
    expect_error(post(&app, &token, good()).await, 409, "phone_taken").await;
    let tree: CommitteeTree = get(&app, &token, "/committees").await;
    assert_eq!(tree.items.len(), 2);
}
