//! The roster through the API: roles, validation, committees kept apart,
//! pagination and filters, changes, and uniqueness under concurrency.

use std::collections::HashSet;

use lvzhi_shared::members::{Member, MemberPage, NewMember, Role};
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    only_the_office_manages_the_roster,
    bad_member_input_is_refused_with_its_field,
    another_committee_is_invisible,
    roster_pages_and_filters,
    patches_change_only_what_they_name,
    duplicate_phones_race_to_one_winner,
);

fn new_member(name: &str, phone: &str) -> NewMember {
    NewMember {
        name: name.into(),
        phone: phone.into(),
        ..NewMember::default()
    }
}

async fn only_the_office_manages_the_roster(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = app.account(Role::Member, "13900000601").await;
    let organizer = app.account(Role::Organizer, "13900000602").await;
    let list = |token: &str| app.api(Method::GET, "/members").bearer_auth(token).send();
    expect_error(
        list(&member.access_token).await.expect("list"),
        403,
        "forbidden",
    )
    .await;
    let page: MemberPage = json_ok(list(&organizer.access_token).await.expect("list")).await;
    assert_eq!(page.items.len(), 3, "admin, member, organizer");
    expect_error(
        app.api(Method::GET, "/members").send().await.expect("list"),
        401,
        "unauthorized",
    )
    .await;

    // Organizers add members but not office accounts; admins may.
    let as_organizer = app
        .api(Method::POST, "/members")
        .bearer_auth(&organizer.access_token)
        .json(&NewMember {
            role: Some(Role::Organizer),
            ..new_member("赵六", "13900000603")
        })
        .send()
        .await
        .expect("create");
    let body = expect_error(as_organizer, 403, "forbidden").await;
    assert_eq!(body.field.as_deref(), Some("role"));
    let created = app
        .create_member(&organizer.access_token, &new_member("赵六", "13900000603"))
        .await;
    assert_eq!(created.member.role, Role::Member);
    assert_eq!(created.activation.code.len(), 8);
    // Members cannot add anyone.
    let r = app
        .api(Method::POST, "/members")
        .bearer_auth(&member.access_token)
        .json(&new_member("钱七", "13900000604"))
        .send()
        .await
        .expect("create");
    expect_error(r, 403, "forbidden").await;
    // An organizer may not change an office account or anyone's role.
    let admin = app.admin().await;
    let r = app
        .api(Method::PATCH, &format!("/members/{}", admin.user.id))
        .bearer_auth(&organizer.access_token)
        .json(&json!({"workplace": "别处"}))
        .send()
        .await
        .expect("patch");
    expect_error(r, 403, "forbidden").await;
    let r = app
        .api(Method::PATCH, &format!("/members/{}", created.member.id))
        .bearer_auth(&organizer.access_token)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .expect("patch");
    expect_error(r, 403, "forbidden").await;
    // Nobody disables themselves.
    let r = app
        .api(Method::PATCH, &format!("/members/{}", admin.user.id))
        .bearer_auth(&admin.access_token)
        .json(&json!({"status": "disabled"}))
        .send()
        .await
        .expect("patch");
    expect_error(r, 403, "forbidden").await;
}

async fn bad_member_input_is_refused_with_its_field(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    app.create_member(
        &admin.access_token,
        &NewMember {
            member_no: Some("A-1".into()),
            ..new_member("孙敏", "13900000701")
        },
    )
    .await;
    let long_name = "王".repeat(10_000);
    let cases: Vec<(serde_json::Value, u16, &str, &str)> = vec![
        (
            json!({"name": "吴立", "phone": "1390000"}),
            422,
            "invalid_phone",
            "phone",
        ),
        (
            json!({"name": "吴立", "phone": "+86 139-0000-0701"}),
            409,
            "phone_taken",
            "phone",
        ),
        (
            json!({"name": "吴立", "phone": "13900000702", "member_no": "A-1"}),
            409,
            "member_no_taken",
            "member_no",
        ),
        (
            json!({"name": "吴立", "phone": "13900000702", "sector": "不存在界"}),
            422,
            "unknown_sector",
            "sector",
        ),
        (
            json!({"name": "<script>alert(1)</script>", "phone": "13900000702"}),
            422,
            "invalid_name",
            "name",
        ),
        (
            json!({"name": long_name, "phone": "13900000702"}),
            422,
            "field_too_long",
            "name",
        ),
        (
            json!({"name": "  ", "phone": "13900000702"}),
            422,
            "field_required",
            "name",
        ),
        (
            json!({"name": "吴立", "phone": "13900000702", "birth_year": 1800}),
            422,
            "invalid_field",
            "birth_year",
        ),
        (
            json!({"name": "吴立", "phone": "13900000702", "member_no": "A 1"}),
            422,
            "invalid_field",
            "member_no",
        ),
        (
            json!({"name": "吴立", "phone": "13900000702", "workplace": "x".repeat(101)}),
            422,
            "field_too_long",
            "workplace",
        ),
    ];
    for (input, status, code, field) in cases {
        let r = app
            .api(Method::POST, "/members")
            .bearer_auth(&admin.access_token)
            .json(&input)
            .send()
            .await
            .expect("create");
        let body = expect_error(r, status, code).await;
        assert_eq!(body.field.as_deref(), Some(field), "{code}");
    }
    // Wrong JSON types and broken JSON are 400s with the same error shape.
    let r = app
        .api(Method::POST, "/members")
        .bearer_auth(&admin.access_token)
        .json(&json!({"name": ["吴立"], "phone": {"number": 1}}))
        .send()
        .await
        .expect("create");
    expect_error(r, 400, "invalid_body").await;
    let r = app
        .api(Method::POST, "/members")
        .bearer_auth(&admin.access_token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("create");
    expect_error(r, 400, "invalid_body").await;
    // Nothing was stored by any of them.
    let page: MemberPage = json_ok(
        app.api(Method::GET, "/members")
            .bearer_auth(&admin.access_token)
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(page.items.len(), 2);
}

async fn another_committee_is_invisible(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let ours = app
        .create_member(&admin.access_token, &new_member("周新", "13900000801"))
        .await;
    let theirs = app.other_committee_organizer("13900000802").await;
    let t = &theirs.access_token;
    let page: MemberPage = json_ok(
        app.api(Method::GET, "/members")
            .bearer_auth(t)
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(
        page.items
            .iter()
            .map(|m| m.phone.as_str())
            .collect::<Vec<_>>(),
        vec!["13900000802"]
    );
    let path = format!("/members/{}", ours.member.id);
    expect_error(
        app.api(Method::GET, &path)
            .bearer_auth(t)
            .send()
            .await
            .expect("get"),
        404,
        "not_found",
    )
    .await;
    let r = app
        .api(Method::PATCH, &path)
        .bearer_auth(t)
        .json(&json!({"name": "改名"}))
        .send()
        .await
        .expect("patch");
    expect_error(r, 404, "not_found").await;
    let r = app
        .api(Method::POST, "/members/activation-codes")
        .bearer_auth(t)
        .json(&json!({"member_ids": [ours.member.id]}))
        .send()
        .await
        .expect("codes");
    expect_error(r, 404, "not_found").await;
    // Unchanged on our side.
    let mine: Member = json_ok(
        app.api(Method::GET, &path)
            .bearer_auth(&admin.access_token)
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(mine.name, "周新");
}

async fn roster_pages_and_filters(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let token = &admin.access_token;
    for i in 0..7 {
        let sector = if i % 2 == 0 { "科技界" } else { "农业界" };
        let input = NewMember {
            sector: Some(sector.into()),
            workplace: Some(format!("单位{i}")),
            ..new_member(
                &format!("委员{}", ["甲", "乙", "丙", "丁", "戊", "己", "庚"][i]),
                &format!("1390000090{i}"),
            )
        };
        app.create_member(token, &input).await;
    }
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = app
            .api(Method::GET, "/members")
            .bearer_auth(token)
            .query(&[("limit", "3")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page: MemberPage = json_ok(req.send().await.expect("list")).await;
        pages += 1;
        assert!(page.items.len() <= 3);
        for m in &page.items {
            assert!(seen.insert(m.id), "no member twice");
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8, "7 members and the admin");
    assert_eq!(pages, 3);

    let list = |query: Vec<(&'static str, String)>| {
        app.api(Method::GET, "/members")
            .bearer_auth(token)
            .query(&query)
            .send()
    };
    let tech: MemberPage =
        json_ok(list(vec![("sector", "科技界".into())]).await.expect("list")).await;
    assert_eq!(tech.items.len(), 4);
    assert!(
        tech.items
            .iter()
            .all(|m| m.sector.as_deref() == Some("科技界"))
    );
    let by_name: MemberPage = json_ok(list(vec![("q", "丙".into())]).await.expect("list")).await;
    assert_eq!(by_name.items.len(), 1);
    let by_phone: MemberPage =
        json_ok(list(vec![("q", "139000009".into())]).await.expect("list")).await;
    assert_eq!(by_phone.items.len(), 7);
    let wildcard: MemberPage = json_ok(list(vec![("q", "%".into())]).await.expect("list")).await;
    assert_eq!(wildcard.items.len(), 0, "% is a literal, not a wildcard");

    expect_error(
        list(vec![("cursor", "garbage".into())])
            .await
            .expect("list"),
        400,
        "invalid_cursor",
    )
    .await;
    let body = expect_error(
        list(vec![("limit", "0".into())]).await.expect("list"),
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body.field.as_deref(), Some("limit"));
    expect_error(
        list(vec![("limit", "500".into())]).await.expect("list"),
        400,
        "invalid_parameter",
    )
    .await;
    expect_error(
        list(vec![("limit", "many".into())]).await.expect("list"),
        400,
        "invalid_parameter",
    )
    .await;
    expect_error(
        list(vec![("sector", "不存在界".into())])
            .await
            .expect("list"),
        422,
        "unknown_sector",
    )
    .await;
}

async fn patches_change_only_what_they_name(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let token = &admin.access_token;
    let input = NewMember {
        member_no: Some("P-1".into()),
        sector: Some("科技界".into()),
        workplace: Some("县科技局".into()),
        party: Some("九三学社".into()),
        ..new_member("郑华", "13900001001")
    };
    let created = app.create_member(token, &input).await;
    let path = format!("/members/{}", created.member.id);
    let patched: Member = json_ok(
        app.api(Method::PATCH, &path)
            .bearer_auth(token)
            .json(&json!({"name": "郑华华", "workplace": "", "phone": "+86 139-0000-1002"}))
            .send()
            .await
            .expect("patch"),
    )
    .await;
    assert_eq!(patched.name, "郑华华");
    assert_eq!(patched.workplace, None, "an empty string clears");
    assert_eq!(patched.phone, "13900001002");
    assert_eq!(patched.party.as_deref(), Some("九三学社"), "untouched");
    assert_eq!(patched.sector.as_deref(), Some("科技界"), "untouched");
    assert_eq!(patched.member_no.as_deref(), Some("P-1"));
    let r = app
        .api(Method::PATCH, &path)
        .bearer_auth(token)
        .json(&json!({"phone": "12345"}))
        .send()
        .await
        .expect("patch");
    expect_error(r, 422, "invalid_phone").await;
    let r = app
        .api(Method::PATCH, &path)
        .bearer_auth(token)
        .json(&json!({"status": "pending"}))
        .send()
        .await
        .expect("patch");
    expect_error(r, 422, "invalid_field").await;
    let promoted: Member = json_ok(
        app.api(Method::PATCH, &path)
            .bearer_auth(token)
            .json(&json!({"role": "organizer"}))
            .send()
            .await
            .expect("patch"),
    )
    .await;
    assert_eq!(promoted.role, Role::Organizer);
    // Ids: malformed is a bad parameter, well-formed but unknown is not found.
    let r = app
        .api(Method::GET, "/members/not-an-id")
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let body = expect_error(r, 400, "invalid_parameter").await;
    assert_eq!(body.field.as_deref(), Some("id"));
    let r = app
        .api(Method::GET, &format!("/members/{}", uuid::Uuid::now_v7()))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    expect_error(r, 404, "not_found").await;
}

async fn duplicate_phones_race_to_one_winner(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let req = app
            .api(Method::POST, "/members")
            .bearer_auth(&admin.access_token)
            .json(&json!({"name": "抢号", "phone": "13900001101", "member_no": format!("R-{i}")}));
        tasks.push(tokio::spawn(async move {
            req.send().await.expect("create").status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("join"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let page: MemberPage = json_ok(
        app.api(Method::GET, "/members")
            .bearer_auth(&admin.access_token)
            .query(&[("q", "13900001101")])
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(page.items.len(), 1);
}
