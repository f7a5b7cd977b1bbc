//! The generated Python bindings of `lvzhi-mobile`, loaded in python3, run a
//! member's whole day against a live server (`tests/python/member_day.py`):
//! the real cdylib through the real FFI, asyncio on the caller's side.

use std::path::{Path, PathBuf};

use camino::Utf8PathBuf;
use lvzhi_tests::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(python_bindings_run_a_members_day);

/// The SDK's shared library, built beside this test by `cargo test --workspace`.
pub fn sdk_library() -> PathBuf {
    let name = if cfg!(target_os = "macos") {
        "liblvzhi_mobile.dylib"
    } else {
        "liblvzhi_mobile.so"
    };
    let exe = std::env::current_exe().expect("test executable");
    let deps = exe.parent().expect("deps folder");
    [deps.join(name), deps.join("..").join(name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} not found next to {}; build it with `cargo build -p lvzhi-mobile`",
                deps.display()
            )
        })
}

/// Generates the Python package `lvzhi` (both modules and the library) in `dir`.
fn python_bindings(dir: &Path) -> PathBuf {
    let library = sdk_library();
    let package = dir.join("lvzhi");
    std::fs::create_dir_all(&package).expect("package folder");
    let out = Utf8PathBuf::from_path_buf(package.clone()).expect("utf-8 temp path");
    let lib = Utf8PathBuf::from_path_buf(library.clone()).expect("utf-8 library path");
    uniffi_bindgen::library_mode::generate_bindings(
        &lib,
        None,
        &uniffi_bindgen::bindings::PythonBindingGenerator,
        &uniffi_bindgen::EmptyCrateConfigSupplier,
        None,
        &out,
        false,
    )
    .expect("generate Python bindings");
    let file_name = library.file_name().expect("library file name");
    std::fs::copy(&library, package.join(file_name)).expect("copy the library");
    std::fs::write(package.join("__init__.py"), "").expect("__init__.py");
    for module in ["lvzhi_mobile.py", "lvzhi_shared.py"] {
        assert!(package.join(module).is_file(), "{module} generated");
    }
    dir.to_path_buf()
}

async fn python_bindings_run_a_members_day(b: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bindings = python_bindings(dir.path());
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    app.member_in("13900091001", None).await;
    app.member_in("13900091002", None).await;
    // Starts in 30 minutes: sign-up is open and check-in already is.
    let starts = app.clock.now_utc() + chrono::Duration::minutes(30);
    let activity = app
        .create_activity(
            &office,
            json!({"kind": "training", "title": "履职能力培训", "capacity": 1,
                   "starts_at": starts.to_rfc3339(),
                   "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339()}),
        )
        .await;
    let resp = app
        .api(
            reqwest::Method::POST,
            &format!("/activities/{}/publish", activity.id),
        )
        .bearer_auth(&office)
        .send()
        .await
        .expect("publish");
    assert!(resp.status().is_success());

    // A meeting the second member is summoned to, with an open appraisal
    // round in which the body's members vote.
    let second = app.login("13900091002", "password-123").await;
    let meeting = app
        .published_meeting(&office, &[second.user.id], "七届常委会第十二次会议", &[72])
        .await;
    app.meeting_document(
        &office,
        meeting.id,
        "会议议程",
        b"%PDF-1.4\n% agenda\n".to_vec(),
    )
    .await;
    let round: lvzhi_shared::meetings::Appraisal = app
        .call_ok(
            &office,
            reqwest::Method::POST,
            "/appraisals",
            Some(
                json!({"meeting_id": meeting.id, "title": "部门工作民主评议",
                        "departments": ["县教育局", "县交通运输局"], "electorate": "body"}),
            ),
        )
        .await;
    let _: lvzhi_shared::meetings::Appraisal = app
        .call_ok(
            &office,
            reqwest::Method::POST,
            &format!("/appraisals/{}/open", round.id),
            None,
        )
        .await;

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/member_day.py");
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .env("LVZHI_BINDINGS", &bindings)
        .env("LVZHI_URL", &app.origin)
        .env("LVZHI_ACTIVITY_ID", activity.id.to_string())
        .env("LVZHI_MEETING_ID", meeting.id.to_string())
        .env("LVZHI_APPRAISAL_ID", round.id.to_string())
        .env("LVZHI_PASSWORD", "password-123")
        .env("LVZHI_FIRST_PHONE", "13900091001")
        .env("LVZHI_SECOND_PHONE", "13900091002")
        .env("LVZHI_ADMIN_PHONE", &app.admin_phone)
        .env("LVZHI_ADMIN_PASSWORD", &app.admin_password)
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python member day failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("member day ok"), "{stdout}");
}
