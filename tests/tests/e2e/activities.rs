//! Activities through the API: validation, drafts and publishing, who sees
//! what, lists and filters, times in the committee's zone, roster exports,
//! and stored values the build does not know.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use lvzhi_shared::activities::{
    Activity, ActivityPage, ActivityStatus, MyActivityList, SignupStatus,
};
use lvzhi_shared::ids::ActivityId;
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    bad_activity_input_is_refused_with_its_field,
    drafts_and_audiences_decide_who_sees_what,
    the_list_and_the_single_rule_agree_on_every_audience,
    lists_filter_and_page_in_start_order,
    another_committee_cannot_touch_an_activity,
    rosters_export_with_chinese_headers,
    role_slots_fit_in_the_activity,
    roster_shows_when_each_sign_up_was_made,
    course_materials_upload_and_download,
    an_unknown_stored_value_is_an_error_not_a_guess,
);

fn base(app: &TestApp) -> Value {
    let starts = app.clock.now_utc() + chrono::Duration::days(3);
    json!({
        "kind": "training",
        "title": "履职能力培训",
        "capacity": 20,
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

async fn bad_activity_input_is_refused_with_its_field(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let starts = app.clock.now_utc() + chrono::Duration::days(3);
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (
            with(
                base(&app),
                "ends_at",
                json!((starts - chrono::Duration::hours(1)).to_rfc3339()),
            ),
            422,
            "invalid_field",
            Some("ends_at"),
        ),
        (
            with(base(&app), "capacity", json!(0)),
            422,
            "invalid_field",
            Some("capacity"),
        ),
        (
            with(base(&app), "capacity", json!(-5)),
            422,
            "invalid_field",
            Some("capacity"),
        ),
        (
            with(base(&app), "title", json!("长".repeat(10_000))),
            422,
            "field_too_long",
            Some("title"),
        ),
        (
            with(base(&app), "title", json!("   ")),
            422,
            "field_required",
            Some("title"),
        ),
        (
            with(base(&app), "kind", json!("outreach")),
            422,
            "field_required",
            Some("theme"),
        ),
        (
            with(
                with(base(&app), "audience", json!("sectors")),
                "audience_sectors",
                json!(["不存在界"]),
            ),
            422,
            "unknown_sector",
            Some("audience_sectors"),
        ),
        (
            with(base(&app), "audience", json!("invited")),
            422,
            "field_required",
            Some("invitees"),
        ),
        (
            with(
                base(&app),
                "materials",
                json!([{"title": "课件", "url": "javascript:alert(1)"}]),
            ),
            422,
            "invalid_field",
            Some("materials"),
        ),
        (
            with(
                base(&app),
                "roles",
                json!([{"name": "医生", "capacity": 0}]),
            ),
            422,
            "invalid_field",
            Some("roles"),
        ),
        // No role slot holds more than the whole activity (20 places).
        (
            with(
                base(&app),
                "roles",
                json!([{"name": "医生", "capacity": 5}, {"name": "志愿者", "capacity": 21}]),
            ),
            422,
            "invalid_field",
            Some("roles"),
        ),
        (
            with(base(&app), "study_hours", json!(-1)),
            422,
            "invalid_field",
            Some("study_hours"),
        ),
        // A time without an offset is ambiguous: refused as malformed.
        (
            with(base(&app), "starts_at", json!("2026-12-01T09:00:00")),
            400,
            "invalid_body",
            Some("starts_at"),
        ),
        (
            with(base(&app), "kind", json!("party")),
            400,
            "invalid_body",
            Some("kind"),
        ),
    ];
    for (body, status, code, field) in cases {
        let r = app
            .api(Method::POST, "/activities")
            .bearer_auth(&office)
            .json(&body)
            .send()
            .await
            .expect("create");
        let err = expect_error(r, status, code).await;
        if field.is_some() {
            assert_eq!(err.field.as_deref(), field, "{code}");
        }
    }
    let page: ActivityPage = json_ok(
        app.api(Method::GET, "/activities")
            .bearer_auth(&office)
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert!(page.items.is_empty(), "nothing half-made was stored");
    // A good one, with everything an outreach and an inspection carry.
    let outreach = app
        .create_activity(
            &office,
            json!({"kind": "outreach", "theme": "health", "title": "送医下乡", "capacity": 8,
                "location": "青山镇卫生院",
                "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(6)).to_rfc3339(),
                "roles": [{"name": "医生", "capacity": 5, "sector": "医药卫生界"}, {"name": "志愿者", "capacity": 3}],
                "itinerary": [{"at": (starts + chrono::Duration::hours(1)).to_rfc3339(), "place": "青山镇", "subject": "义诊"}],
                "materials": [{"title": "健康手册", "url": "https://example.org/handbook.pdf"}]}),
        )
        .await;
    assert_eq!(outreach.status, ActivityStatus::Draft);
    assert_eq!(outreach.roles.len(), 2);
    assert_eq!(outreach.roles[0].sector.as_deref(), Some("医药卫生界"));
    assert_eq!(outreach.itinerary[0].subject, "义诊");
    assert_eq!(
        outreach.materials[0].url,
        "https://example.org/handbook.pdf"
    );
    assert_eq!(
        outreach.starts_at.offset().local_minus_utc(),
        8 * 3600,
        "shown in the committee's zone"
    );
    assert_eq!(outreach.starts_at.timestamp(), starts.timestamp());
    // Publishing twice is not a thing.
    let publish = || {
        app.api(
            Method::POST,
            &format!("/activities/{}/publish", outreach.id),
        )
        .bearer_auth(&office)
        .send()
    };
    assert_eq!(publish().await.expect("publish").status(), 200);
    expect_error(publish().await.expect("publish"), 409, "invalid_transition").await;
    // Completing before it starts is refused; after the start it works.
    let complete = |token: &str| {
        app.api(
            Method::POST,
            &format!("/activities/{}/complete", outreach.id),
        )
        .bearer_auth(token)
        .send()
    };
    expect_error(
        complete(&office).await.expect("complete"),
        409,
        "invalid_transition",
    )
    .await;
    app.clock
        .advance(chrono::Duration::days(3) + chrono::Duration::minutes(1));
    let office = app.admin().await.access_token;
    let done: Activity = json_ok(complete(&office).await.expect("complete")).await;
    assert_eq!(done.status, ActivityStatus::Completed);
}

async fn drafts_and_audiences_decide_who_sees_what(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let tech = app.member_in("13900028001", Some("科技界")).await;
    let farmer = app.member_in("13900028002", Some("农业界")).await;
    let invited = app.member_in("13900028003", None).await;
    let draft = app.create_activity(&office, base(&app)).await;
    let for_tech = app
        .published_activity(
            &office,
            json!({"title": "科技界座谈", "audience": "sectors", "audience_sectors": ["科技界"]}),
            24,
        )
        .await;
    let by_invitation = app
        .published_activity(
            &office,
            json!({"title": "专题调研", "audience": "invited", "invitees": [invited.user.id]}),
            30,
        )
        .await;
    let everyone = app
        .published_activity(&office, json!({"title": "全体委员学习"}), 36)
        .await;

    let titles = |page: &ActivityPage| {
        page.items
            .iter()
            .map(|a| a.title.clone())
            .collect::<Vec<_>>()
    };
    let app = &app;
    let list = |t: String| async move {
        json_ok::<ActivityPage>(
            app.api(Method::GET, "/activities")
                .bearer_auth(&t)
                .send()
                .await
                .expect("list"),
        )
        .await
    };
    assert_eq!(
        titles(&list(tech.access_token.clone()).await),
        vec!["科技界座谈", "全体委员学习"]
    );
    assert_eq!(
        titles(&list(farmer.access_token.clone()).await),
        vec!["全体委员学习"]
    );
    assert_eq!(
        titles(&list(invited.access_token.clone()).await),
        vec!["专题调研", "全体委员学习"]
    );
    assert_eq!(
        list(office.clone()).await.items.len(),
        4,
        "the office sees drafts too"
    );

    let get = |t: &str, id: &ActivityId| {
        app.api(Method::GET, &format!("/activities/{id}"))
            .bearer_auth(t)
            .send()
    };
    expect_error(
        get(&tech.access_token, &draft.id).await.expect("get"),
        404,
        "not_found",
    )
    .await;
    expect_error(
        get(&farmer.access_token, &for_tech.id).await.expect("get"),
        404,
        "not_found",
    )
    .await;
    expect_error(
        get(&tech.access_token, &by_invitation.id)
            .await
            .expect("get"),
        404,
        "not_found",
    )
    .await;
    let seen: Activity = json_ok(get(&farmer.access_token, &everyone.id).await.expect("get")).await;
    assert!(seen.my_signup.is_none());
    // My activities after signing up, with status and position.
    app.sign_up(&farmer.access_token, &everyone.id, None).await;
    let mine: MyActivityList = json_ok(
        app.api(Method::GET, "/me/activities")
            .bearer_auth(&farmer.access_token)
            .send()
            .await
            .expect("mine"),
    )
    .await;
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].signup.status, SignupStatus::Registered);
    assert_eq!(
        mine.items[0].activity.my_status,
        Some(SignupStatus::Registered)
    );
    // Members cannot plan activities.
    let r = app
        .api(Method::POST, "/activities")
        .bearer_auth(&farmer.access_token)
        .json(&base(app))
        .send()
        .await
        .expect("create");
    expect_error(r, 403, "forbidden").await;
}

async fn lists_filter_and_page_in_start_order(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    for (i, kind) in [
        "training",
        "inspection",
        "training",
        "inspection",
        "training",
    ]
    .iter()
    .enumerate()
    {
        let extra = if *kind == "outreach" {
            json!({"theme": "culture"})
        } else {
            json!({})
        };
        let mut body = with(extra, "kind", json!(kind));
        body["title"] = json!(format!("活动{}", ["一", "二", "三", "四", "五"][i]));
        app.published_activity(&office, body, 24 * (5 - i as i64))
            .await;
    }
    let (app, office) = (&app, &office);
    let get = |query: Vec<(&'static str, String)>| async move {
        json_ok::<ActivityPage>(
            app.api(Method::GET, "/activities")
                .bearer_auth(office)
                .query(&query)
                .send()
                .await
                .expect("list"),
        )
        .await
    };
    let all = get(vec![]).await;
    let starts: Vec<_> = all.items.iter().map(|a| a.starts_at).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "soonest first");
    assert_eq!(
        get(vec![("kind", "inspection".into())]).await.items.len(),
        2
    );
    let from = (app.clock.now_utc() + chrono::Duration::hours(60)).to_rfc3339();
    let to = (app.clock.now_utc() + chrono::Duration::hours(100)).to_rfc3339();
    assert_eq!(
        get(vec![("from", from), ("to", to)]).await.items.len(),
        2,
        "days 3 and 4"
    );
    // Paging by two gives every activity once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit", "2".to_owned())];
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let page = get(q).await;
        seen.extend(page.items.iter().map(|a| a.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, all.items.iter().map(|a| a.id).collect::<Vec<_>>());
    let r = app
        .api(Method::GET, "/activities")
        .bearer_auth(office)
        .query(&[("cursor", "nope")])
        .send()
        .await
        .expect("list");
    expect_error(r, 400, "invalid_cursor").await;
    let r = app
        .api(Method::GET, "/activities")
        .bearer_auth(office)
        .query(&[("kind", "party")])
        .send()
        .await
        .expect("list");
    expect_error(r, 400, "invalid_parameter").await;
    let r = app
        .api(Method::GET, "/activities")
        .bearer_auth(office)
        .query(&[("from", "tomorrow")])
        .send()
        .await
        .expect("list");
    expect_error(r, 400, "invalid_parameter").await;
}

async fn another_committee_cannot_touch_an_activity(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app.published_activity(&office, json!({}), 24).await;
    let theirs = app
        .other_committee_organizer("13900028101")
        .await
        .access_token;
    let id = &a.id;
    let attempts = vec![
        app.api(Method::GET, &format!("/activities/{id}"))
            .bearer_auth(&theirs),
        app.api(Method::PATCH, &format!("/activities/{id}"))
            .bearer_auth(&theirs)
            .json(&json!({"title": "改"})),
        app.api(Method::POST, &format!("/activities/{id}/cancel"))
            .bearer_auth(&theirs)
            .json(&json!({})),
        app.api(Method::GET, &format!("/activities/{id}/signups"))
            .bearer_auth(&theirs),
        app.api(Method::GET, &format!("/activities/{id}/checkin-code"))
            .bearer_auth(&theirs),
        app.api(Method::POST, &format!("/activities/{id}/signups"))
            .bearer_auth(&theirs)
            .json(&json!({})),
    ];
    for req in attempts {
        expect_error(req.send().await.expect("send"), 404, "not_found").await;
    }
    let page: ActivityPage = json_ok(
        app.api(Method::GET, "/activities")
            .bearer_auth(&theirs)
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert!(page.items.is_empty());
    let still: Activity = json_ok(
        app.api(Method::GET, &format!("/activities/{id}"))
            .bearer_auth(&office)
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(still.status, ActivityStatus::Published);
}

async fn rosters_export_with_chinese_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 1}), 24)
        .await;
    let ms = app.members("13900029", 2).await;
    for m in &ms {
        app.sign_up(&m.access_token, &a.id, None).await;
    }
    let csv = app
        .api(Method::GET, &format!("/activities/{}/signups", a.id))
        .bearer_auth(&office)
        .query(&[("format", "csv")])
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}委员编号,姓名,手机号码,界别,角色,状态,候补位次"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("已报名") && lines[1].contains("13900029000"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("候补") && lines[2].contains(",1,"),
        "{}",
        lines[2]
    );
    let xlsx = app
        .api(Method::GET, &format!("/activities/{}/signups", a.id))
        .bearer_auth(&office)
        .query(&[("format", "xlsx")])
        .send()
        .await
        .expect("xlsx");
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(xlsx.bytes().await.expect("bytes").to_vec())).expect("workbook");
    let sheet = book
        .worksheet_range_at(0)
        .expect("sheet")
        .expect("readable");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][..3], ["委员编号", "姓名", "手机号码"]);
    assert_eq!(rows[2][5], "候补");
}

/// A role slot cannot be given more places than the activity has.
async fn role_slots_fit_in_the_activity(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .create_activity(
            &office,
            with(
                base(&app),
                "roles",
                json!([{"name": "医生", "capacity": 5}, {"name": "志愿者", "capacity": 15}]),
            ),
        )
        .await;
    let doctors = &a.roles[0];
    let patch = |capacity: i32| {
        app.api(
            Method::PATCH,
            &format!("/activities/{}/roles/{}", a.id, doctors.id),
        )
        .bearer_auth(&office)
        .json(&json!({"capacity": capacity}))
        .send()
    };
    let e = expect_error(patch(21).await.expect("patch"), 422, "invalid_field").await;
    assert_eq!(e.field.as_deref(), Some("capacity"));
    assert!(e.message.contains("20"), "{}", e.message);
    let changed: lvzhi_shared::activities::ActivityChange =
        json_ok(patch(20).await.expect("patch")).await;
    assert_eq!(changed.activity.roles[0].capacity, 20);
}

/// The roster's sign-up time is when the member signed up, not when the
/// sign-up last changed (a promotion, a mark of attendance).
async fn roster_shows_when_each_sign_up_was_made(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 1}), 72)
        .await;
    let ms = app.members("13900033", 2).await;
    let signed = |r: reqwest::Response| async move {
        assert!(r.status().is_success(), "{}", r.status());
    };
    signed(app.sign_up(&ms[0].access_token, &a.id, None).await).await;
    app.clock.advance(chrono::Duration::hours(2));
    let second_signed_up = app.clock.now_utc();
    signed(app.sign_up(&ms[1].access_token, &a.id, None).await).await;
    // An hour later the first withdraws: the second moves off the waitlist.
    app.clock.advance(chrono::Duration::hours(1));
    let r = app
        .api(Method::DELETE, &format!("/activities/{}/signups/me", a.id))
        .bearer_auth(&ms[0].access_token)
        .send()
        .await
        .expect("withdraw");
    assert!(r.status().is_success(), "{}", r.status());
    let roster = app.roster(&office, a.id).await;
    let second = roster
        .items
        .iter()
        .find(|e| e.member_id == ms[1].user.id)
        .expect("second on the roster");
    assert_eq!(second.status, SignupStatus::Registered);
    let shown = second.signed_up_at.with_timezone(&chrono::Utc);
    assert!(
        (shown - second_signed_up).num_seconds().abs() < 1,
        "signed up at {second_signed_up}, roster says {shown}"
    );
    // The spreadsheet's 报名时间 column says the same, in the committee's zone.
    let csv = app
        .api(Method::GET, &format!("/activities/{}/signups", a.id))
        .bearer_auth(&office)
        .query(&[("format", "csv")])
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let local = second.signed_up_at.format("%Y-%m-%d %H:%M").to_string();
    let row = csv
        .lines()
        .find(|l| l.contains(&ms[1].user.phone))
        .expect("row");
    assert!(row.contains(&local), "{row} should show {local}");
    // Signing up again after withdrawing is a new sign-up, made now.
    app.clock.advance(chrono::Duration::hours(1));
    let again = app.clock.now_utc();
    signed(app.sign_up(&ms[0].access_token, &a.id, None).await).await;
    let roster = app.roster(&office, a.id).await;
    let first = roster
        .items
        .iter()
        .find(|e| e.member_id == ms[0].user.id)
        .expect("first on the roster");
    assert_eq!(first.status, SignupStatus::Waitlisted);
    let shown = first.signed_up_at.with_timezone(&chrono::Utc);
    assert!(
        (shown - again).num_seconds().abs() < 1,
        "signed up again at {again}, roster says {shown}"
    );
}

async fn course_materials_upload_and_download(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.limits.max_material_bytes = 64 * 1024).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900032001", None).await;
    let a = app
        .published_activity(&office, json!({"title": "政策解读"}), 24)
        .await;
    let upload = |title: &str, name: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("title", title.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        app.api(Method::POST, &format!("/activities/{}/materials", a.id))
            .bearer_auth(&office)
            .multipart(form)
            .send()
    };
    let pdf = b"%PDF-1.4\n% course notes\n".to_vec();
    let r = upload("学习材料", "notes.pdf", pdf.clone())
        .await
        .expect("upload");
    assert_eq!(r.status(), 201);
    let material: lvzhi_shared::activities::Material = r.json().await.expect("material");
    assert_eq!(material.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(material.size_bytes, Some(pdf.len() as i64));
    // A member who can see the activity downloads it; it is listed with the activity.
    let got = app
        .raw(Method::GET, &material.url)
        .bearer_auth(&member.access_token)
        .send()
        .await
        .expect("download");
    assert_eq!(got.status(), 200);
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains("notes.pdf")
    );
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), pdf);
    let detail: Activity = json_ok(
        app.api(Method::GET, &format!("/activities/{}", a.id))
            .bearer_auth(&member.access_token)
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(detail.materials.len(), 1);
    // Not a document, too large, and not for other committees or the anonymous.
    let r = upload("脚本", "run.exe", b"MZ\x90\x00 not allowed".to_vec())
        .await
        .expect("upload");
    expect_error(r, 415, "unsupported_media_type").await;
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(100 * 1024, b'x');
    expect_error(
        upload("大文件", "big.pdf", big).await.expect("upload"),
        413,
        "payload_too_large",
    )
    .await;
    let theirs = app.other_committee_organizer("13900032002").await;
    let r = app
        .raw(Method::GET, &material.url)
        .bearer_auth(&theirs.access_token)
        .send()
        .await
        .expect("download");
    expect_error(r, 404, "not_found").await;
    expect_error(
        app.raw(Method::GET, &material.url)
            .send()
            .await
            .expect("download"),
        401,
        "unauthorized",
    )
    .await;
    // Removed, it is gone.
    let r = app
        .api(
            Method::DELETE,
            &format!("/activities/{}/materials/{}", a.id, material.id),
        )
        .bearer_auth(&office)
        .send()
        .await
        .expect("remove");
    assert_eq!(r.status(), 204);
    let r = app
        .raw(Method::GET, &material.url)
        .bearer_auth(&member.access_token)
        .send()
        .await
        .expect("download");
    expect_error(r, 404, "not_found").await;
}

/// A stored value this build does not know (written by a newer version, or
/// by hand) is refused loudly. The database's CHECK constraints keep most
/// enum columns clean; the committee's language has none, and used to be
/// shown as Chinese whatever it held.
async fn an_unknown_stored_value_is_an_error_not_a_guess(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let get = || {
        app.api(Method::GET, "/committee")
            .bearer_auth(&office)
            .send()
    };
    let _: Value = json_ok(get().await.expect("get")).await;
    app.state
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use lvzhi_server::db::schema::committees::dsl;
            diesel::update(dsl::committees)
                .set(dsl::language.eq("fr"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("write an unknown language");
    expect_error(get().await.expect("get"), 500, "internal_error").await;
}

/// The audience rule has two forms: SQL in the list (a page at a time) and
/// Rust for one activity (`GET`, sign-up). Over every kind of member and
/// audience they must admit exactly the same pairs.
async fn the_list_and_the_single_rule_agree_on_every_audience(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let tech = app.member_in("13900028101", Some("科技界")).await;
    let farmer = app.member_in("13900028102", Some("农业界")).await;
    let nobody = app.member_in("13900028103", None).await;
    let guest = app.member_in("13900028104", None).await;
    let tech_guest = app.member_in("13900028105", Some("科技界")).await;
    let audiences = [
        json!({"title": "全体", "audience": "committee"}),
        json!({"title": "科技", "audience": "sectors", "audience_sectors": ["科技界"]}),
        json!({"title": "两界", "audience": "sectors", "audience_sectors": ["科技界", "农业界"]}),
        json!({"title": "邀请", "audience": "invited", "invitees": [guest.user.id, tech_guest.user.id]}),
    ];
    let mut ids = Vec::new();
    for (i, body) in audiences.into_iter().enumerate() {
        let hours = 24 + 6 * i64::try_from(i).expect("small");
        ids.push(app.published_activity(&office, body, hours).await.id);
    }
    let _draft = app.create_activity(&office, base(&app)).await;

    let mut seen_by_any = std::collections::BTreeSet::new();
    let mut views = std::collections::BTreeSet::new();
    for who in [&tech, &farmer, &nobody, &guest, &tech_guest] {
        let page: ActivityPage = json_ok(
            app.api(Method::GET, "/activities")
                .bearer_auth(&who.access_token)
                .send()
                .await
                .expect("list"),
        )
        .await;
        let listed: std::collections::BTreeSet<ActivityId> =
            page.items.into_iter().map(|a| a.id).collect();
        let mut single = std::collections::BTreeSet::new();
        for id in &ids {
            let status = app
                .api(Method::GET, &format!("/activities/{id}"))
                .bearer_auth(&who.access_token)
                .send()
                .await
                .expect("get")
                .status();
            assert!(status == 200 || status == 404, "{status}");
            if status == 200 {
                single.insert(*id);
            }
        }
        assert_eq!(
            listed, single,
            "list and GET disagree for {}",
            who.user.name
        );
        views.insert(listed.clone());
        seen_by_any.extend(listed);
    }
    // The cases are not all alike: every activity is seen by someone, and
    // not every member sees the same.
    assert_eq!(seen_by_any.len(), ids.len());
    assert!(views.len() >= 4, "{views:?}");
}
