//! 统计 in the console: a year's figures from activities the test made,
//! published, attended and recorded through the API, shown as charts and
//! tables with the same numbers; switching years; a year with nothing held.

use chrono::{DateTime, Utc};
use lvzhi_shared::activities::Activity;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

const ORGANIZER: &str = "13900094001";

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid time")
        .with_timezone(&Utc)
}

async fn mark(app: &TestApp, office: &str, activity: &Activity, entries: &[(MemberId, &str)]) {
    let entries: Vec<Value> = entries
        .iter()
        .map(|(member, attendance)| json!({"member_id": member, "attendance": attendance}))
        .collect();
    let r = app
        .api(
            Method::PUT,
            &format!("/activities/{}/attendance", activity.id),
        )
        .bearer_auth(office)
        .json(&json!({ "entries": entries }))
        .send()
        .await
        .expect("attendance");
    let _: Value = json_ok(r).await;
}

/// The row of a figures table: its header and its numbers, as the page writes it.
fn row(header: &str, cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!(r#"<td class="num">{c}</td>"#))
        .collect();
    format!(r#"<tr><th scope="row">{header}</th>{cells}</tr>"#)
}

async fn a_year_in_figures(b: Backend) {
    let app = TestApp::spawn(b).await;
    // 08:00 on 1 March 2032 in Shanghai, the committee's zone.
    app.clock.set(at("2032-03-01T00:00:00Z"));
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    // A sector whose name holds quotes and an ampersand: text, never markup.
    let admin_token = app.admin().await.access_token;
    let r = app
        .api(Method::POST, "/sectors")
        .bearer_auth(&admin_token)
        .json(&json!({"name": r#""侨联"&台胞界"#}))
        .send()
        .await
        .expect("sector");
    assert_eq!(r.status(), 201);
    let a = app.member_in("13900094002", Some("科技界")).await;
    let bb = app.member_in("13900094003", Some("科技界")).await;
    let _idle = app.member_in("13900094004", Some("科技界")).await;
    let c = app.member_in("13900094005", Some("医药卫生界")).await;
    let _d = app.member_in("13900094006", Some("农业界")).await;

    let t1 = app
        .published_activity(&office, json!({"kind": "training"}), 2)
        .await;
    let t2 = app
        .published_activity(&office, json!({"kind": "training"}), 4)
        .await;
    let o1 = app
        .published_activity(&office, json!({"kind": "outreach", "theme": "health"}), 6)
        .await;
    let i1 = app
        .published_activity(&office, json!({"kind": "inspection"}), 8)
        .await;
    for (m, list) in [
        (&a, vec![&t1, &t2, &o1]),
        (&bb, vec![&t1, &i1]),
        (&c, vec![&o1]),
    ] {
        for act in list {
            let r = app.sign_up(&m.access_token, &act.id, None).await;
            assert!(r.status().is_success(), "sign up");
        }
    }
    let r = app
        .api(Method::PUT, &format!("/activities/{}/outcome", o1.id))
        .bearer_auth(&office)
        .json(&json!({
            "people_served": 120, "consultations": 30,
            "materials_distributed": 200, "donated_value_yuan": 1500.5,
        }))
        .send()
        .await
        .expect("outcome");
    let _: Value = json_ok(r).await;
    app.clock.advance(chrono::Duration::hours(20));
    let (ia, ib, ic) = (a.user.id, bb.user.id, c.user.id);
    mark(&app, &office, &t1, &[(ia, "attended"), (ib, "absent")]).await;
    mark(&app, &office, &t2, &[(ia, "attended")]).await;
    mark(&app, &office, &o1, &[(ia, "attended"), (ic, "attended")]).await;
    mark(&app, &office, &i1, &[(ib, "attended")]).await;

    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    // Without a year: this year in the committee's zone.
    let page = browser.get("/console/stats").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.len() < 200_000, "a light page: {} bytes", body.len());
    assert!(body.contains(r#"<strong class="year">2032年</strong>"#));
    assert!(body.contains(r#"<a href="/console/stats" aria-current="page">统计</a>"#));
    assert!(
        !body.contains("/console/settings"),
        "设置 is not offered to an organizer"
    );
    // Activities held and attendances by kind, in the table…
    for (kind, held, attended) in [
        ("学习培训", "2", "2"),
        ("三下乡", "1", "2"),
        ("视察", "1", "1"),
        ("合计", "4", "5"),
    ] {
        assert!(
            body.contains(&row(kind, &[held, attended])),
            "{kind}:\n{body}"
        );
    }
    // …and in the charts, whose titles say the same numbers.
    assert_eq!(body.matches(r#"<svg class="chart""#).count(), 3);
    assert!(body.contains("2032年各类活动举行次数：学习培训 2 次，三下乡 1 次，视察 1 次"));
    assert!(body.contains("2032年各类活动出席人次：学习培训 2 人次，三下乡 2 人次，视察 1 人次"));
    assert!(!body.contains(" style="), "no inline styles under the CSP");
    // Participation by sector: members, who took part, attendances, the rate.
    assert!(
        body.contains(&row("科技界", &["3", "2", "4", "67%"])),
        "{body}"
    );
    assert!(body.contains(&row("医药卫生界", &["1", "1", "1", "100%"])));
    assert!(body.contains(&row("农业界", &["1", "0", "0", "0%"])));
    assert!(body.contains(&row("工会", &["0", "0", "0", "—"])));
    assert!(!body.contains(r#""侨联"&台胞界"#));
    let quoted = body.contains(&row("&#34;侨联&#34;&#38;台胞界", &["0", "0", "0", "—"]))
        || body.contains(&row("&quot;侨联&quot;&amp;台胞界", &["0", "0", "0", "—"]));
    assert!(quoted, "the sector's name, escaped, in the table");
    assert!(body.contains("科技界 67%"), "the sector chart's title");
    assert!(body.contains(">67%（2/3）</text>"));
    // What outreach achieved.
    for figure in [
        "<strong>120</strong>服务群众（人次）",
        "<strong>30</strong>咨询（人次）",
        "<strong>200</strong>发放资料（份）",
        "<strong>1500.50</strong>捐赠物资折合（元）",
    ] {
        assert!(body.contains(figure), "{figure}");
    }
    assert!(!body.contains("该年度还没有已举行的活动"));

    // The years either side, by link and by the picker.
    assert!(body.contains(r#"href="/console/stats?year=2031""#));
    assert!(body.contains(r#"href="/console/stats?year=2033""#));
    assert!(body.contains(r#"<option value="2032" selected>"#));
    for year in ["2031", "2033"] {
        let other = browser.get(&format!("/console/stats?year={year}")).await;
        assert_eq!(other.status, 200);
        assert!(other.body.contains("该年度还没有已举行的活动"), "{year}");
        assert!(!other.body.contains("<svg"), "no empty charts");
        assert!(
            other
                .body
                .contains(&format!(r#"<strong class="year">{year}年</strong>"#))
        );
    }
    let same = browser.get("/console/stats?year=2032").await;
    assert!(same.body.contains(&row("合计", &["4", "5"])));
    for bad in ["abc", "1999", "2101", "2032.5"] {
        let page = browser.get(&format!("/console/stats?year={bad}")).await;
        assert_eq!(page.status, 404, "year={bad}");
    }

    // The admin sees the same figures.
    let admin = Browser::new(&app);
    assert_eq!(
        admin
            .sign_in(&app.admin_phone, &app.admin_password)
            .await
            .status,
        303
    );
    let theirs = admin.get("/console/stats?year=2032").await;
    assert_eq!(theirs.status, 200);
    assert!(
        theirs
            .body
            .contains(&row("科技界", &["3", "2", "4", "67%"]))
    );
}

on_both_backends!(a_year_in_figures);
