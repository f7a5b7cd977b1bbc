//! The SQLite file's storage fails under a running server: the disk fills
//! up (a small tmpfs, really full), or the file turns read-only (`chattr +i`
//! on the database and its WAL). The server runs in-process: no process dies.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::prelude::*;
use lvzhi_server::config::Secret;
use lvzhi_shared::ids::{ActivityId, MemberId};
use lvzhi_tests::child::CHILD_JWT_SECRET;
use lvzhi_tests::{Backend, TestApp};
use reqwest::Method;

use crate::support::{self, Answer, Member};

/// Filling the disk: sign-ups go on until the first refusal, at most this many.
const MEMBERS: usize = 200;
const CAPACITY: usize = 20;

/// A disk that fills up: writes get 503 `service_unavailable` with a message
/// naming the storage, reads keep working, the file stays intact, and once
/// space returns the refused sign-ups go through; nothing answered 2xx is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_keeps_reads_and_recovers() {
    let Some(disk) = small_disk() else {
        return;
    };
    let db_file = disk.path().join("lvzhi.db");
    let app = app_on(&db_file).await;
    let filler = disk.path().join("filler");
    let refused = storage_fault_round(
        &app,
        "139050",
        || fill(&filler),
        || std::fs::remove_file(&filler).expect("free the space"),
    )
    .await;
    assert!(refused > 0);
    drop(app);
    assert_intact(&db_file);
}

/// The database file and its WAL turn unwritable (immutable): the same as a
/// full disk, from the server's side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_file_refuses_writes_keeps_reads_and_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_file = dir.path().join("lvzhi.db");
    let app = app_on(&db_file).await;
    let files = [db_file.clone(), dir.path().join("lvzhi.db-wal")];
    if let Err(why) = immutable(&files, true) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but files cannot be made immutable here: {why}"
        );
        eprintln!("skipping: files cannot be made immutable here: {why}");
        return;
    }
    let _undo = Immutable(files.to_vec());
    immutable(&files, false).expect("chattr -i");
    let refused = storage_fault_round(
        &app,
        "139060",
        || immutable(&files, true).expect("chattr +i"),
        || immutable(&files, false).expect("chattr -i"),
    )
    .await;
    assert!(refused > 0);
    drop(app);
    assert_intact(&db_file);
}

/// Signs up some members, breaks the storage, signs up until refused (each
/// refusal a storage 503), checks reads, repairs, retries the refused with
/// their keys, and checks the roster holds every 2xx answer as given.
/// Returns how many were refused.
async fn storage_fault_round(
    app: &TestApp,
    prefix: &str,
    break_storage: impl FnOnce(),
    repair: impl FnOnce(),
) -> usize {
    let http = support::client();
    let office = app.admin().await.access_token;
    let activity = support::published_activity(&http, &app.origin, &office, CAPACITY as i32).await;
    let members = support::seed_members(&app.config.database_url, prefix, MEMBERS, false).await;
    let mut answers = Vec::new();
    for m in &members[..10] {
        answers.push(sign_up(app, &http, &activity, m).await);
    }
    assert!(
        answers
            .iter()
            .all(|(_, a)| matches!(a, Answer::Accepted(_)))
    );

    break_storage();
    let mut refused = Vec::new();
    for m in &members[10..] {
        let (id, a) = sign_up(app, &http, &activity, m).await;
        match &a {
            Answer::Accepted(_) => answers.push((id, a)),
            Answer::Refused(status, body) => {
                support::assert_unavailable(*status, body);
                assert!(body.contains("disk is full or read-only"), "{body}");
                refused.push(m.clone());
                if refused.len() == 3 {
                    break;
                }
            }
            Answer::Lost(e) => panic!("no answer: {e}"),
        }
    }
    assert!(
        !refused.is_empty(),
        "{MEMBERS} sign-ups fitted on the broken storage"
    );
    // Reads still work, and show exactly what was answered 2xx.
    let stored = support::check_roster(
        &support::roster(&http, &app.origin, &office, &activity).await,
        CAPACITY,
    );
    assert_eq!(stored.len(), answers.len());
    support::check_accepted_are_stored(&answers, &stored);
    let resp = app
        .api(Method::GET, &format!("/activities/{activity}"))
        .bearer_auth(&office)
        .send()
        .await
        .expect("read");
    assert!(resp.status().is_success(), "{}", resp.status());

    repair();
    for m in &refused {
        let (id, a) = sign_up(app, &http, &activity, m).await;
        assert!(matches!(a, Answer::Accepted(_)), "after the repair: {a:?}");
        answers.push((id, a));
    }
    let stored = support::check_roster(
        &support::roster(&http, &app.origin, &office, &activity).await,
        CAPACITY,
    );
    assert_eq!(stored.len(), answers.len(), "nothing extra stored");
    support::check_accepted_are_stored(&answers, &stored);
    refused.len()
}

async fn sign_up(
    app: &TestApp,
    http: &reqwest::Client,
    activity: &ActivityId,
    m: &Member,
) -> (MemberId, Answer) {
    (m.id, support::sign_up(http, &app.origin, activity, m).await)
}

/// An in-process server on the SQLite file `db_file`, accepting the tokens
/// `support::seed_members` mints.
async fn app_on(db_file: &Path) -> TestApp {
    let url = db_file.to_string_lossy().into_owned();
    TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.database_url = url;
        c.db_pool_size = 4;
        c.auth.jwt_secret = Some(Secret(CHILD_JWT_SECRET.into()));
    })
    .await
}

/// `PRAGMA integrity_check` says ok.
fn assert_intact(db_file: &Path) {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut conn =
        SqliteConnection::establish(&db_file.to_string_lossy()).expect("open the database file");
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .expect("integrity check");
    let verdict: Vec<String> = rows.into_iter().map(|r| r.integrity_check).collect();
    assert_eq!(verdict, vec!["ok".to_owned()]);
}

/// A 16 MiB tmpfs of the test's own, or `None` where mounting is not allowed
/// (not root); under CI that is a failure.
fn small_disk() -> Option<Tmpfs> {
    match Tmpfs::mount("16m") {
        Ok(t) => Some(t),
        Err(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but no tmpfs can be mounted here: {why}"
            );
            eprintln!("skipping: no tmpfs can be mounted here: {why}");
            None
        }
    }
}

struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("lvzhi-faults-disk")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a connection someone still holds must not keep it mounted.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes `path` until the disk is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler file");
    let chunk = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = file.write_all(&chunk).and_then(|()| file.sync_data()) {
            assert_eq!(
                e.raw_os_error(),
                Some(28),
                "the filler stops at ENOSPC, not at: {e}"
            );
            return;
        }
    }
}

/// `chattr +i` / `chattr -i` on `files`.
fn immutable(files: &[PathBuf], on: bool) -> Result<(), String> {
    let out = Command::new("chattr")
        .arg(if on { "+i" } else { "-i" })
        .args(files)
        .output()
        .map_err(|e| format!("chattr: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Takes the immutable flag off again even when the test fails, so the
/// temporary folder can be removed.
struct Immutable(Vec<PathBuf>);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = immutable(&self.0, false);
    }
}
