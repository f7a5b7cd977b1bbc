//! 新建活动 and 修改活动 in the console: every input labelled; what the form
//! cannot read and what the rules refuse said next to the field with the
//! typing kept; an outreach with a sector-limited slot created once however
//! often it is submitted; an inspection's itinerary; a published activity
//! changed; on both backends.

use lvzhi_shared::activities::{Activity, ActivityPage, ActivityStatus, OutreachTheme};
use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;

const ORGANIZER: &str = "13900085001";

async fn activity(app: &TestApp, token: &str, url: &str) -> Activity {
    let id = url
        .trim_start_matches("/console/activities/")
        .split(['?', '/'])
        .next()
        .expect("id");
    json_ok(
        app.api(Method::GET, &format!("/activities/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("activity"),
    )
    .await
}

async fn activities_titled(app: &TestApp, token: &str, title: &str) -> usize {
    let page: ActivityPage = json_ok(
        app.api(Method::GET, "/activities")
            .bearer_auth(token)
            .query(&[("limit", "100")])
            .send()
            .await
            .expect("activities"),
    )
    .await;
    page.items.iter().filter(|a| a.title == title).count()
}

async fn activities_planned_and_changed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );

    let list = browser.get("/console/activities").await;
    assert!(
        list.body
            .contains(r#"href="/console/activities/new">新建活动</a>"#)
    );
    let form = browser.get("/console/activities/new").await;
    assert_eq!(form.status, 200);
    // Every input has a label (keyboard and screen-reader users).
    for id in [
        "title",
        "description",
        "location",
        "starts_at",
        "ends_at",
        "signup_closes_at",
        "capacity",
        "study_hours",
        "theme",
        "role-name-1",
        "role-capacity-1",
        "role-sector-1",
        "stop-at-4",
        "stop-place-4",
        "stop-subject-4",
        "kind-outreach",
    ] {
        assert!(
            form.body.contains(&format!(r#"<label for="{id}""#)),
            "label for {id}"
        );
        assert!(form.body.contains(&format!(r#"id="{id}""#)), "input {id}");
    }
    let csrf = form.csrf();
    let once = form.between(r#"name="once" value=""#, "\"");

    let outreach = |once: &str, ends: &str, capacity: &str| {
        vec![
            ("csrf".to_owned(), csrf.clone()),
            ("once".to_owned(), once.to_owned()),
            ("kind".to_owned(), "outreach".to_owned()),
            ("title".to_owned(), "送医下乡：青山镇".to_owned()),
            ("description".to_owned(), "义诊与健康咨询".to_owned()),
            ("location".to_owned(), "青山镇卫生院".to_owned()),
            ("starts_at".to_owned(), "2030-05-10T09:00".to_owned()),
            ("ends_at".to_owned(), ends.to_owned()),
            ("signup_closes_at".to_owned(), String::new()),
            ("capacity".to_owned(), capacity.to_owned()),
            ("theme".to_owned(), "health".to_owned()),
            ("audience".to_owned(), "committee".to_owned()),
            ("role_name".to_owned(), "义诊医生".to_owned()),
            ("role_capacity".to_owned(), "2".to_owned()),
            ("role_sector".to_owned(), "医药卫生界".to_owned()),
            ("role_name".to_owned(), "志愿者".to_owned()),
            ("role_capacity".to_owned(), "4".to_owned()),
            ("role_sector".to_owned(), String::new()),
            ("role_name".to_owned(), String::new()),
            ("role_capacity".to_owned(), String::new()),
            ("role_sector".to_owned(), String::new()),
        ]
    };
    let post = |fields: Vec<(String, String)>| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            browser.post("/console/activities/new", &pairs).await
        }
    };

    // Unreadable: said by the form, everything typed kept.
    let unreadable = post(outreach(&once, "2030-05-10T12:00", "六个")).await;
    assert_eq!(unreadable.status, 422);
    assert!(
        unreadable
            .body
            .contains(r#"<p class="problem-inline" id="capacity-problem">请填写数字。</p>"#)
    );
    assert!(unreadable.body.contains(r#"value="送医下乡：青山镇""#));
    assert!(unreadable.body.contains(r#"value="义诊医生""#));
    assert!(
        unreadable
            .body
            .contains(r#"<option value="医药卫生界" selected>"#)
    );
    // Refused by the rules: the end before the start.
    let backwards = post(outreach(&once, "2030-05-10T08:00", "6")).await;
    assert_eq!(backwards.status, 422);
    assert!(
        backwards.body.contains("结束时间应晚于开始时间。"),
        "{}",
        backwards.body
    );
    assert!(backwards.body.contains(r#"value="2030-05-10T08:00""#));
    assert_eq!(
        activities_titled(&app, &office, "送医下乡：青山镇").await,
        0
    );

    // Saved, with a double click: one draft.
    let mut to = None;
    for _ in 0..2 {
        let saved = post(outreach(&once, "2030-05-10T12:00", "6")).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let at = saved.location().expect("location").to_owned();
        assert!(at.ends_with("?done=created"), "{at}");
        assert!(
            to.is_none() || to.as_deref() == Some(at.as_str()),
            "same draft"
        );
        to = Some(at);
    }
    let url = to.expect("saved");
    assert_eq!(
        activities_titled(&app, &office, "送医下乡：青山镇").await,
        1
    );
    let a = activity(&app, &office, &url).await;
    assert_eq!(a.status, ActivityStatus::Draft);
    assert_eq!(a.theme, Some(OutreachTheme::Health));
    assert_eq!(a.capacity, 6);
    let slots: Vec<(&str, i32, Option<&str>)> = a
        .roles
        .iter()
        .map(|r| (r.name.as_str(), r.capacity, r.sector.as_deref()))
        .collect();
    assert_eq!(
        slots,
        [("义诊医生", 2, Some("医药卫生界")), ("志愿者", 4, None)]
    );
    let page = browser.get(&url).await;
    assert!(page.body.contains("活动已保存为草稿"));

    // An outreach needs its theme; a training does not.
    let mut themeless = outreach(
        &browser
            .get("/console/activities/new")
            .await
            .between(r#"name="once" value=""#, "\""),
        "2030-05-10T12:00",
        "6",
    );
    themeless.retain(|(k, _)| k != "theme");
    let refused = post(themeless).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("请选择三下乡的服务类别。"));

    // An inspection with its itinerary.
    let fresh = browser.get("/console/activities/new").await;
    let once = fresh.between(r#"name="once" value=""#, "\"");
    let inspection: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("once", &once),
        ("kind", "inspection"),
        ("title", "河长制落实情况视察"),
        ("location", "县水利局"),
        ("starts_at", "2030-06-02T08:30"),
        ("ends_at", "2030-06-02T17:00"),
        ("capacity", "12"),
        ("audience", "committee"),
        ("stop_at", "2030-06-02T09:00"),
        ("stop_place", "青龙河上游"),
        ("stop_subject", "河道保洁"),
        ("stop_at", "2030-06-02T14:00"),
        ("stop_place", "县污水处理厂"),
        ("stop_subject", "出水水质"),
        ("stop_at", ""),
        ("stop_place", ""),
        ("stop_subject", ""),
    ];
    let saved = browser.post("/console/activities/new", &inspection).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let trip = activity(&app, &office, saved.location().expect("location")).await;
    let stops: Vec<(&str, &str)> = trip
        .itinerary
        .iter()
        .map(|s| (s.place.as_str(), s.subject.as_str()))
        .collect();
    assert_eq!(
        stops,
        [("青龙河上游", "河道保洁"), ("县污水处理厂", "出水水质")]
    );

    // Published, then changed: the form says who will be told.
    let base = url.split('?').next().expect("path").to_owned();
    let published = browser
        .post(&format!("{base}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(published.status, 303);
    let edit = browser.get(&format!("{base}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(
        edit.body
            .contains("活动已发布：改动时间或地点后，已报名和候补的 0 位委员会收到通知。")
    );
    assert!(
        edit.body.contains(r#"value="2030-05-10T09:00""#),
        "local time shown as typed"
    );
    assert!(edit.body.contains("义诊医生（2 人）"));
    let mut change: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("title", "送医下乡：青山镇"),
        ("description", "义诊与健康咨询"),
        ("location", "青山镇文化广场"),
        ("starts_at", "2030-05-10T09:00"),
        ("ends_at", "2030-05-10T12:00"),
        ("capacity", "8"),
    ];
    let saved = browser.post(&format!("{base}/edit"), &change).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        saved.location(),
        Some(format!("{base}?done=saved").as_str())
    );
    let changed = activity(&app, &office, &base).await;
    assert_eq!(
        (changed.location.as_str(), changed.capacity),
        ("青山镇文化广场", 8)
    );
    // Without the token nothing changes.
    change[0] = ("csrf", "");
    change[3] = ("location", "别处");
    assert_eq!(
        browser.post(&format!("{base}/edit"), &change).await.status,
        403
    );
    assert_eq!(
        activity(&app, &office, &base).await.location,
        "青山镇文化广场"
    );
}

on_both_backends!(activities_planned_and_changed);
