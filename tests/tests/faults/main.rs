//! Fault tests (issue 6): the database going away, a full or read-only
//! SQLite disk, a server killed with SIGKILL mid-burst and mid-fan-out, two
//! server processes racing on one PostgreSQL. The servers that must die or
//! run side by side are real `lvzhi-server` processes (`lvzhi_tests::child`).

mod kills;
mod postgres_outage;
mod private_pg;
mod sqlite_storage;
mod support;
mod two_processes;

use lvzhi_tests::Backend;
use lvzhi_tests::store::Store;

/// A fresh database of `backend` (a temporary SQLite file, or a new database
/// on the shared PostgreSQL server), dropped with the value.
async fn store(backend: Backend) -> Store {
    let admin_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(std::env::var(lvzhi_tests::POSTGRES_ENV).expect("postgres url")),
    };
    tokio::task::spawn_blocking(move || Store::create(admin_url.as_deref(), "lvzhi_t"))
        .await
        .expect("store task")
        .expect("create the database")
}

/// A PostgreSQL server this test may stop, or `None` (with the reason
/// printed) where none can run; under CI (`CI=true`) that is a failure.
fn private_postgres() -> Option<private_pg::PrivatePostgres> {
    match private_pg::PrivatePostgres::start() {
        Ok(pg) => Some(pg),
        Err(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but no private PostgreSQL can run here: {why}"
            );
            eprintln!("skipping: no private PostgreSQL can run here: {why}");
            None
        }
    }
}
