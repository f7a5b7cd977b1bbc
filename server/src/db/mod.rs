//! Persistence: one connection type over SQLite and PostgreSQL, a pool, and
//! the helpers that run queries off the async runtime.
//!
//! Look rows up by key with `get_result`, not `first`: `first` binds a
//! `LIMIT ?`, which makes SQLite re-prepare the cached statement on every use
//! (measured: about half of `GET /me`'s server CPU on SQLite).

pub mod models;
pub mod schema;

use std::path::PathBuf;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever database the deployment uses. Queries are written
/// once against this type; only the few statements whose SQL differs match on it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseKind {
    /// A SQLite file (created, with its folder, on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseKind {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://path`,
    /// `sqlite:path` or a plain path selects a SQLite file.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err("the database URL is empty".into());
        }
        if path.contains("://") {
            return Err(format!(
                "unsupported database URL scheme (use postgres://… or a SQLite file path): {}",
                path.split("://").next().unwrap_or_default()
            ));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// Opens connections of the configured kind and prepares each one.
#[derive(Debug)]
pub struct ConnectionFactory {
    kind: DatabaseKind,
}

impl r2d2::ManageConnection for ConnectionFactory {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.kind {
            DatabaseKind::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseKind::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // busy_timeout first, so even switching to WAL waits for other
                // connections; WAL lets readers run beside the writer; NORMAL is
                // durable in WAL mode except for the last commits on power loss.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection left inside a transaction (a panic mid-query) must not be reused.
        let status = match conn {
            DbConnection::Postgres(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
        };
        !matches!(status, Ok(None))
    }
}

/// The connection pool. Cloning is cheap.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionFactory>,
}

impl Db {
    /// Opens the pool and applies pending migrations.
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Self> {
        let kind = DatabaseKind::from_url(url).map_err(anyhow::Error::msg)?;
        if let DatabaseKind::Sqlite(path) = &kind
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                anyhow::anyhow!("cannot create the database folder {}: {e}", dir.display())
            })?;
        }
        let factory = ConnectionFactory { kind };
        if let DatabaseKind::Sqlite(_) = &factory.kind {
            // One connection first: on a new file it switches the journal to
            // WAL (kept in the file). Left to the pool's connections opening
            // all at once, the switch can fail with "database is locked"
            // (SQLite does not wait for it), which r2d2 logs as an error.
            r2d2::ManageConnection::connect(&factory)
                .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(5))
            .build(factory)
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        let db = Self { pool };
        db.migrate()?;
        Ok(db)
    }

    /// Applies every embedded migration not yet applied; returns their names.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.pool.get()?;
        let applied = match &mut *conn {
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    /// Undoes every applied migration, newest first; returns their names.
    /// Only for checking that each `down.sql` really undoes its `up.sql`.
    pub fn revert_all(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.pool.get()?;
        let reverted = match &mut *conn {
            DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| anyhow::anyhow!("reverting migrations failed: {e}"))?;
        Ok(reverted.iter().map(ToString::to_string).collect())
    }

    /// A pooled connection for synchronous code (start-up, CLI tasks).
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionFactory>, AppError> {
        self.pool.get().map_err(AppError::db_unavailable)
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, so slow
    /// queries never stall the async workers.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(AppError::db_unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// Like [`Db::run`], inside a write transaction (see [`write_tx`]).
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_tx(conn, f)).await
    }

    /// Pool figures for `/metrics`.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }
}

/// Runs `f` in a transaction that may write, committing on `Ok`.
///
/// On SQLite it starts with `BEGIN IMMEDIATE`, taking the write lock up front:
/// a deferred transaction that reads and then writes fails with "database is
/// locked" when another writer got in between, busy_timeout or not. On
/// PostgreSQL it is a plain READ COMMITTED transaction; rules that check and
/// then change lock the rows they read (`FOR UPDATE`) or write first.
pub fn write_tx<T, F>(conn: &mut DbConnection, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
{
    in_transaction(conn, true, f)
}

/// Runs `f` exactly as [`write_tx`] would, then rolls everything back: a dry
/// run that reports what a change would do without doing it.
pub fn rehearse_tx<T, F>(conn: &mut DbConnection, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
{
    in_transaction(conn, false, f)
}

fn in_transaction<T, F>(conn: &mut DbConnection, commit: bool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
{
    match conn {
        DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
    }
    .map_err(AppError::from)?;
    let result = f(conn);
    if commit && result.is_ok() {
        match conn {
            DbConnection::Postgres(c) => AnsiTransactionManager::commit_transaction(c),
            DbConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        }
        .map_err(AppError::from)?;
    } else {
        let rolled_back = match conn {
            DbConnection::Postgres(c) => AnsiTransactionManager::rollback_transaction(c),
            DbConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
        };
        if let Err(e) = rolled_back {
            tracing::error!(error = %e, "rollback failed");
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn folder_names(backend: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        std::fs::read_dir(&dir)
            .expect("migrations folder")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let sqlite = folder_names("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, folder_names("postgres"));
    }

    #[test]
    fn database_urls_select_the_backend() {
        use super::DatabaseKind;
        assert!(
            DatabaseKind::from_url("postgres://localhost/x")
                .expect("pg")
                .is_postgres()
        );
        assert!(
            DatabaseKind::from_url("postgresql://localhost/x")
                .expect("pg")
                .is_postgres()
        );
        assert_eq!(
            DatabaseKind::from_url("sqlite://data/a.db").expect("sqlite"),
            DatabaseKind::Sqlite("data/a.db".into())
        );
        assert_eq!(
            DatabaseKind::from_url("data/a.db").expect("sqlite"),
            DatabaseKind::Sqlite("data/a.db".into())
        );
        assert!(DatabaseKind::from_url("mysql://x").is_err());
        assert!(DatabaseKind::from_url(" ").is_err());
    }
}
