//! The console in real Chromium, on both backends: an organizer signs in by
//! keyboard (a wrong password first), reads 工作台, promotes a member from
//! the waitlist, opens the check-in screen and watches a member check in
//! with its digits, and signs out, driven by
//! Playwright for Python (`tests/browser/organizer_day.py`); and prepares and
//! holds a meeting (`tests/browser/meetings_day.py`). Screenshots at
//! 1366×768 are kept under `<target dir>/console-screenshots/<backend>/`.
//!
//! Needs Chromium, the Noto CJK fonts and the Playwright venv that
//! `tests/browser/setup.sh` installs (`LVZHI_BROWSER_PYTHON` names another
//! Python with Playwright). Without them the test says what is missing and
//! passes, except with `CI=true`, where it fails.

use std::path::PathBuf;

use lvzhi_shared::members::Role;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use serde_json::json;

/// The Python to drive Chromium with; `None` (the scenario skips, saying
/// why) only outside CI, where a missing browser fails the run instead.
fn python_or_skip() -> Option<PathBuf> {
    match playwright_python() {
        Ok(p) => Some(p),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("the browser tests are required in CI: {why}")
        }
        Err(why) => {
            eprintln!("skipping the browser test: {why}");
            None
        }
    }
}

/// The Python that has Playwright, or why there is none.
fn playwright_python() -> Result<PathBuf, String> {
    let python = match std::env::var_os("LVZHI_BROWSER_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .ok_or("neither XDG_CACHE_HOME nor HOME is set")?;
            cache.join("lvzhi-playwright/bin/python")
        }
    };
    if !python.is_file() {
        return Err(format!(
            "{} is missing; run tests/browser/setup.sh",
            python.display()
        ));
    }
    let chromium = std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .map_err(|e| format!("chromium does not run ({e}); run tests/browser/setup.sh"))?;
    if !chromium.status.success() {
        return Err("chromium --version failed; run tests/browser/setup.sh".into());
    }
    Ok(python)
}

fn screenshots(b: Backend) -> PathBuf {
    // The test runs from <target>/<profile>/deps/.
    let exe = std::env::current_exe().expect("test executable");
    let target = exe
        .ancestors()
        .nth(3)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    target
        .join("console-screenshots")
        .join(format!("{b:?}").to_lowercase())
}

async fn an_organizer_in_chromium(b: Backend) {
    let Some(python) = python_or_skip() else {
        return;
    };
    let app = TestApp::spawn(b).await;
    let organizer = app.account(Role::Organizer, "13900073001").await;
    let office = organizer.access_token;
    // Starts in an hour: check-in is open from now.
    let training = app
        .published_activity(
            &office,
            json!({"kind": "training", "title": "新任委员履职培训", "capacity": 2, "location": "县政协三楼会议室"}),
            1,
        )
        .await;
    app.published_activity(
        &office,
        json!({"kind": "outreach", "title": "科技下乡：果树管理", "theme": "science_technology", "capacity": 20, "location": "石桥镇"}),
        72,
    )
    .await;
    let mut members = Vec::new();
    for phone in ["13900073002", "13900073003", "13900073004"] {
        let m = app.account(Role::Member, phone).await;
        assert!(
            app.sign_up(&m.access_token, &training.id, None)
                .await
                .status()
                .is_success()
        );
        members.push(m);
    }

    // A member of 医药卫生界, for the outreach the script plans.
    let doctor = app.member_in("13900073005", Some("医药卫生界")).await;
    // The training under way: check-in and attendance open.
    app.clock.advance(chrono::Duration::minutes(90));

    let shots = screenshots(b);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser/organizer_day.py");
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .env("LVZHI_ORIGIN", &app.origin)
        .env("LVZHI_PHONE", &organizer.user.phone)
        .env("LVZHI_PASSWORD", MEMBER_PASSWORD)
        .env(
            "LVZHI_EXPECT",
            json!(["新任委员履职培训", "2 / 2", "科技下乡：果树管理", "石桥镇"]).to_string(),
        )
        .env("LVZHI_ACTIVITY", "新任委员履职培训")
        .env("LVZHI_ACTIVITY_ID", training.id.to_string())
        .env("LVZHI_WAITLISTED", &members[2].user.name)
        .env("LVZHI_MEMBER_TOKEN", &members[0].access_token)
        .env("LVZHI_DOCTOR_TOKEN", &doctor.access_token)
        .env("LVZHI_DOCTOR_NAME", &doctor.user.name)
        .env("LVZHI_SHOTS", &shots)
        .output()
        .await
        .expect("run the browser script");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser test failed:\n{report}");
    for shot in [
        "sign-in.png",
        "sign-in-wrong-password.png",
        "today.png",
        "activity.png",
        "confirm-promote.png",
        "checkin.png",
        "import-check.png",
        "import-done.png",
        "activity-form.png",
        "outreach.png",
        "attendance.png",
        "notice-new.png",
        "notice-sent.png",
        "stats.png",
    ] {
        let size = std::fs::metadata(shots.join(shot)).map_or(0, |m| m.len());
        assert!(size > 10_000, "{shot}: {size} bytes");
    }
    eprintln!("screenshots in {}", shots.display());
}

/// 会议 in Chromium: a body made and filled from the roster, a meeting with
/// two sessions planned and published, leave refused without a note then
/// approved, the quorum board and a session's check-in screen following
/// members who type the digits, and an appraisal round to its results
/// (`tests/browser/meetings_day.py`; screenshots under `…/<backend>/meetings/`).
async fn a_meeting_in_chromium(b: Backend) {
    let Some(python) = python_or_skip() else {
        return;
    };
    let app = TestApp::spawn(b).await;
    let organizer = app.account(Role::Organizer, "13900074001").await;
    let mut members = Vec::new();
    for (phone, sector) in [
        ("13900074002", "经济界"),
        ("13900074003", "医药卫生界"),
        ("13900074004", "教育界"),
        ("13900074005", "农业界"),
    ] {
        let m = app.member_in(phone, Some(sector)).await;
        members.push(json!({"name": m.user.name, "phone": phone, "token": m.access_token}));
    }
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    let at = |minutes: i64| {
        (app.clock.now_utc() + chrono::Duration::minutes(minutes))
            .with_timezone(&shanghai)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let times = json!({
        "deadline": at(10),
        "s1_start": at(30),
        "s1_end": at(30 + 180),
        "s2_start": at(30 + 300),
        "s2_end": at(30 + 480),
    });
    let shots = screenshots(b).join("meetings");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser/meetings_day.py");
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .env("LVZHI_ORIGIN", &app.origin)
        .env("LVZHI_PHONE", &organizer.user.phone)
        .env("LVZHI_PASSWORD", MEMBER_PASSWORD)
        .env(
            "LVZHI_MEMBERS",
            serde_json::Value::from(members).to_string(),
        )
        .env("LVZHI_TIMES", times.to_string())
        .env("LVZHI_SHOTS", &shots)
        .output()
        .await
        .expect("run the browser script");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser test failed:\n{report}");
    for shot in [
        "body.png",
        "body-import.png",
        "meeting-form.png",
        "meeting-documents.png",
        "meeting-publish.png",
        "leave-queue.png",
        "quorum-empty.png",
        "session-checkin.png",
        "quorum.png",
        "meeting.png",
        "appraisal-results.png",
    ] {
        let size = std::fs::metadata(shots.join(shot)).map_or(0, |m| m.len());
        assert!(size > 10_000, "{shot}: {size} bytes");
    }
    eprintln!("screenshots in {}", shots.display());
}

/// 社情民意 in Chromium: a county clerk works two members' reports (a return
/// refused without a reason, an edit, accepting, the year's first issue and
/// its Word file, forwarding to the city), then the city's clerk takes the
/// copy up, sends it to the province and records its adoption and a 批示
/// (`tests/browser/reports_day.py`; screenshots under `…/<backend>/reports/`).
async fn reports_in_chromium(b: Backend) {
    let Some(python) = python_or_skip() else {
        return;
    };
    let app = TestApp::spawn_with(b, |c| {
        c.bootstrap.committee_name = "江城市政协".into();
        c.bootstrap.committee_level = "city".into();
    })
    .await;
    let city_clerk = app.account(Role::Organizer, "13900075001").await;
    let admin = app.admin().await;
    let county: serde_json::Value = json_ok(
        app.api(reqwest::Method::POST, "/committees")
            .bearer_auth(&admin.access_token)
            .json(&json!({"name": "青山县政协", "level": "county", "admin_name": "县政协办公室", "admin_phone": "13900075002"}))
            .send()
            .await
            .expect("county"),
    )
    .await;
    let county_clerk: lvzhi_shared::auth::TokenPair = json_ok(
        app.api(reqwest::Method::POST, "/auth/activate")
            .json(&json!({
                "phone": county["admin"]["phone"],
                "activation_code": county["admin"]["code"],
                "new_password": MEMBER_PASSWORD,
            }))
            .send()
            .await
            .expect("activate"),
    )
    .await;
    let mut members = Vec::new();
    for (name, phone) in [("李春华", "13900075003"), ("王建国", "13900075004")] {
        let created = app
            .create_member(
                &county_clerk.access_token,
                &lvzhi_shared::members::NewMember {
                    name: name.into(),
                    phone: phone.into(),
                    sector: Some("农业界".into()),
                    ..Default::default()
                },
            )
            .await;
        members.push(app.activate(&created, MEMBER_PASSWORD).await);
    }
    let call = |token: String, method: reqwest::Method, path: String, body: serde_json::Value| {
        let app = &app;
        async move {
            let mut req = app.api(method, &path).bearer_auth(&token);
            if !body.is_null() {
                req = req.json(&body);
            }
            json_ok::<serde_json::Value>(req.send().await.expect("call")).await
        }
    };
    let second = "关于偏远村组学生乘车难的建议";
    let mut ids = Vec::new();
    for (who, title, cosigners) in [
        (
            &members[0],
            "关于加强农村公路养护的建议",
            json!([members[1].user.id]),
        ),
        (&members[1], second, json!([])),
    ] {
        let report = call(
            who.access_token.clone(),
            reqwest::Method::POST,
            "/reports".into(),
            json!({"title": title, "body": "村里的公路年久失修，雨天泥泞，群众出行不便。\n建议设立农村公路养护专项资金，明确乡镇管护责任。", "category": "agriculture", "cosigner_ids": cosigners}),
        )
        .await;
        let id = report["id"].as_str().expect("id").to_owned();
        call(
            who.access_token.clone(),
            reqwest::Method::POST,
            format!("/reports/{id}/submit"),
            json!(null),
        )
        .await;
        ids.push(id);
    }
    call(
        members[1].access_token.clone(),
        reqwest::Method::POST,
        format!("/reports/{}/cosign", ids[0]),
        json!({"confirm": true}),
    )
    .await;
    let today = app
        .clock
        .now_utc()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y-%m-%d")
        .to_string();
    let shots = screenshots(b).join("reports");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser/reports_day.py");
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .env("LVZHI_ORIGIN", &app.origin)
        .env("LVZHI_COUNTY_PHONE", &county_clerk.user.phone)
        .env("LVZHI_CITY_PHONE", &city_clerk.user.phone)
        .env("LVZHI_PASSWORD", MEMBER_PASSWORD)
        .env(
            "LVZHI_AUTHOR",
            json!({"token": members[0].access_token, "report": ids[0]}).to_string(),
        )
        .env("LVZHI_SECOND", second)
        .env("LVZHI_TODAY", &today)
        .env("LVZHI_SHOTS", &shots)
        .output()
        .await
        .expect("run the browser script");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser test failed:\n{report}");
    for shot in [
        "reports-queue.png",
        "report-refused.png",
        "report-merge.png",
        "report-issues.png",
        "report-forwarded.png",
        "report-adopted.png",
        "report-figures.png",
    ] {
        let size = std::fs::metadata(shots.join(shot)).map_or(0, |m| m.len());
        assert!(size > 10_000, "{shot}: {size} bytes");
    }
    eprintln!("screenshots in {}", shots.display());
}

/// 履职积分 in Chromium: a county clerk reads the 通报, changes a rule (a
/// refusal first), records a plenary speech, opens the member's record,
/// accepts a dispute and closes the year (`tests/browser/points_day.py`;
/// screenshots under `…/<backend>/points/`).
async fn points_in_chromium(b: Backend) {
    let Some(python) = python_or_skip() else {
        return;
    };
    let app = TestApp::spawn(b).await;
    let clerk = app.account(Role::Organizer, "13900076001").await;
    let local_now = app
        .clock
        .now_utc()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"));
    let today = local_now.format("%Y-%m-%d").to_string();
    let year = local_now.format("%Y").to_string();
    let mut members = Vec::new();
    for (i, phone) in ["13900076002", "13900076003", "13900076004"]
        .iter()
        .enumerate()
    {
        let m = app.account(Role::Member, phone).await;
        for k in 0..=i {
            let r = app
                .api(reqwest::Method::POST, "/points/entries")
                .bearer_auth(&clerk.access_token)
                .json(&json!({"member_id": m.user.id, "event": "proposal",
                              "evidence": format!("提案第{}{}号", i + 1, k), "occurred_on": today}))
                .send()
                .await
                .expect("entry");
            assert_eq!(r.status(), 201);
        }
        members.push(m);
    }
    let r = app
        .api(reqwest::Method::POST, "/me/points/disputes")
        .bearer_auth(&members[0].access_token)
        .json(&json!({"year": year.parse::<i32>().expect("year"), "reason": "我在市报发表的文章没有计入"}))
        .send()
        .await
        .expect("dispute");
    assert_eq!(r.status(), 201);
    let shots = screenshots(b).join("points");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser/points_day.py");
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .env("LVZHI_ORIGIN", &app.origin)
        .env("LVZHI_PHONE", &clerk.user.phone)
        .env("LVZHI_PASSWORD", MEMBER_PASSWORD)
        .env("LVZHI_MEMBER", &members[1].user.name)
        .env("LVZHI_TODAY", &today)
        .env("LVZHI_SHOTS", &shots)
        .output()
        .await
        .expect("run the browser script");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser test failed:\n{report}");
    for shot in [
        "points-summary.png",
        "points-rules-refused.png",
        "points-entries.png",
        "points-record.png",
        "points-disputes.png",
        "points-closed.png",
    ] {
        let size = std::fs::metadata(shots.join(shot)).map_or(0, |m| m.len());
        assert!(size > 10_000, "{shot}: {size} bytes");
    }
    eprintln!("screenshots in {}", shots.display());
}

on_both_backends!(
    an_organizer_in_chromium,
    a_meeting_in_chromium,
    reports_in_chromium,
    points_in_chromium
);
