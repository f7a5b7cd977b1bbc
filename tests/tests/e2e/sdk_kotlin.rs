//! The generated Kotlin bindings of `lvzhi-mobile`, compiled with kotlinc
//! and run on the JVM (JNA), sign a member in and up against a live server
//! (`tests/kotlin/MemberDay.kt`), as the Android app would.
//!
//! Needs `kotlinc` (the npm package `kotlin-compiler`; `LVZHI_KOTLINC` or
//! PATH), a JDK and JNA (`LVZHI_JNA_JAR`, default Debian's
//! `/usr/share/java/jna.jar`). `.ci/run` installs them; elsewhere the test
//! says what is missing and passes, except with `CI=true`, where it fails.

use std::path::{Path, PathBuf};

use camino::Utf8PathBuf;
use lvzhi_tests::{Backend, TestApp, on_both_backends};
use serde_json::json;

use super::sdk_python::sdk_library;

on_both_backends!(kotlin_bindings_sign_a_member_up);

/// Swift cannot be compiled on this machine; the bindings must at least be
/// produced, under the module names the iOS app imports.
#[test]
fn swift_bindings_are_generated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).expect("utf-8 path");
    let library = Utf8PathBuf::from_path_buf(sdk_library()).expect("utf-8 library path");
    uniffi_bindgen::library_mode::generate_bindings(
        &library,
        None,
        &uniffi_bindgen::bindings::SwiftBindingGenerator,
        &CrateConfigs,
        None,
        &out,
        false,
    )
    .expect("generate Swift bindings");
    for file in [
        "LvzhiSdk.swift",
        "LvzhiSdkFFI.h",
        "LvzhiSdkFFI.modulemap",
        "LvzhiContract.swift",
        "LvzhiContractFFI.h",
    ] {
        let path = dir.path().join(file);
        assert!(path.is_file(), "{file} generated");
    }
    let sdk = std::fs::read_to_string(dir.path().join("LvzhiSdk.swift")).expect("read");
    assert!(
        sdk.contains("public protocol SessionStore"),
        "the app implements SessionStore"
    );
    assert!(sdk.contains("func signIn("), "sign-in is exported");
}

/// Reads each component's `uniffi.toml` (package and module names).
struct CrateConfigs;

impl uniffi_bindgen::BindgenCrateConfigSupplier for CrateConfigs {
    fn get_toml_path(&self, crate_name: &str) -> Option<camino::Utf8PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = match crate_name {
            "lvzhi_mobile" => "mobile-bindings",
            "lvzhi_shared" => "shared",
            _ => return None,
        };
        Utf8PathBuf::from_path_buf(root.join(dir).join("uniffi.toml")).ok()
    }

    fn get_toml(&self, crate_name: &str) -> anyhow::Result<Option<toml::value::Table>> {
        match self.get_toml_path(crate_name) {
            Some(path) => Ok(Some(toml::from_str(&std::fs::read_to_string(path)?)?)),
            None => Ok(None),
        }
    }
}

struct Toolchain {
    kotlinc: PathBuf,
    jna: PathBuf,
}

/// The Kotlin compiler and JNA, or why they are missing.
fn toolchain() -> Result<Toolchain, String> {
    let kotlinc = std::env::var_os("LVZHI_KOTLINC")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join("kotlinc"))
                    .find(|p| p.is_file())
            })
        })
        .filter(|p| p.is_file())
        .ok_or("kotlinc not found (set LVZHI_KOTLINC or put it on PATH)")?;
    let jna = std::env::var_os("LVZHI_JNA_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/java/jna.jar"));
    if !jna.is_file() {
        return Err(format!(
            "JNA not found at {} (set LVZHI_JNA_JAR)",
            jna.display()
        ));
    }
    Ok(Toolchain { kotlinc, jna })
}

/// The compiled bindings and program, and what running them needs on the classpath.
#[derive(Clone)]
struct Compiled {
    jar: PathBuf,
    classpath: Vec<PathBuf>,
}

/// kotlinc takes about a minute here: both backends' tests share one compilation.
static COMPILED: tokio::sync::OnceCell<Result<Compiled, String>> =
    tokio::sync::OnceCell::const_new();

/// Generates the Kotlin bindings from the built library and compiles them with
/// `tests/kotlin/MemberDay.kt` into a jar under the test target folder.
async fn compile(tools: &Toolchain) -> Result<Compiled, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kotlin-member-day");
    let _ = std::fs::remove_dir_all(&dir);
    let sources = dir.join("src");
    let library = sdk_library();
    uniffi_bindgen::library_mode::generate_bindings(
        &Utf8PathBuf::from_path_buf(library).map_err(|p| format!("not utf-8: {}", p.display()))?,
        None,
        &uniffi_bindgen::bindings::KotlinBindingGenerator,
        &CrateConfigs,
        None,
        &Utf8PathBuf::from_path_buf(sources.clone())
            .map_err(|p| format!("not utf-8: {}", p.display()))?,
        false,
    )
    .map_err(|e| format!("generating Kotlin bindings: {e:#}"))?;
    let generated: Vec<PathBuf> = [
        "cn/lvzhi/sdk/lvzhi_mobile.kt",
        "cn/lvzhi/contract/lvzhi_shared.kt",
    ]
    .iter()
    .map(|p| sources.join(p))
    .collect();
    if let Some(missing) = generated.iter().find(|f| !f.is_file()) {
        return Err(format!("{} was not generated", missing.display()));
    }
    // kotlinc ships the standard library and kotlinx-coroutines in its lib folder.
    let lib = tools
        .kotlinc
        .canonicalize()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("lib")))
        .ok_or("cannot find kotlinc's lib folder")?;
    let coroutines = lib.join("kotlinx-coroutines-core-jvm.jar");
    let stdlib = lib.join("kotlin-stdlib.jar");
    let jar = dir.join("member-day.jar");
    let classpath = std::env::join_paths([&tools.jna, &coroutines]).map_err(|e| e.to_string())?;
    let compiled = tokio::process::Command::new(&tools.kotlinc)
        .args(&generated)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("kotlin/MemberDay.kt"))
        .arg("-classpath")
        .arg(&classpath)
        .arg("-nowarn")
        .arg("-d")
        .arg(&jar)
        .output()
        .await
        .map_err(|e| format!("kotlinc does not run: {e}"))?;
    if !compiled.status.success() {
        return Err(format!(
            "kotlinc failed:\n{}",
            String::from_utf8_lossy(&compiled.stderr)
        ));
    }
    Ok(Compiled {
        jar,
        classpath: vec![tools.jna.clone(), coroutines, stdlib],
    })
}

async fn kotlin_bindings_sign_a_member_up(b: Backend) {
    let tools = match toolchain() {
        Ok(t) => t,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("the Kotlin toolchain is required in CI: {why}")
        }
        Err(why) => {
            eprintln!("skipping the Kotlin bindings test: {why}");
            return;
        }
    };
    let Compiled { jar, classpath } = COMPILED
        .get_or_init(|| compile(&tools))
        .await
        .clone()
        .unwrap_or_else(|e| panic!("{e}"));
    let library = sdk_library();
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    app.member_in("13900092001", None).await;
    let activity = app
        .published_activity(&office, json!({"capacity": 3}), 24)
        .await;
    let mut run_classpath = vec![jar];
    run_classpath.extend(classpath);
    let run_classpath = std::env::join_paths(run_classpath).expect("classpath");
    let library_dir = library.parent().expect("library folder");
    let ran = tokio::process::Command::new("java")
        .arg(format!("-Djna.library.path={}", library_dir.display()))
        .arg("-classpath")
        .arg(&run_classpath)
        .arg("MemberDayKt")
        .env("LVZHI_URL", &app.origin)
        .env("LVZHI_PHONE", "13900092001")
        .env("LVZHI_PASSWORD", "password-123")
        .env("LVZHI_ACTIVITY_ID", activity.id.to_string())
        .output()
        .await
        .expect("java runs");
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success() && stdout.contains("kotlin member ok"),
        "the Kotlin member day failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
}
