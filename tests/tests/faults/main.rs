//! Fault tests (issue 6): the database going away, a full or read-only
//! SQLite disk, a server killed with SIGKILL mid-burst and mid-fan-out, two
//! server processes racing on one PostgreSQL. The servers that must die or
//! run side by side are real `lvzhi-server` processes (`lvzhi_tests::child`).

mod postgres_outage;
mod private_pg;
mod support;

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
