//! A throwaway database for one test or benchmark run: a temporary SQLite
//! file, or a fresh database on a PostgreSQL server, dropped with the value.

/// Where a run's database lives.
pub enum Store {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Store {
    /// A temporary SQLite file, or (with `postgres_admin_url`) a new database
    /// named `{prefix}_{random}` on that server. Blocking.
    pub fn create(postgres_admin_url: Option<&str>, prefix: &str) -> anyhow::Result<Self> {
        match postgres_admin_url {
            None => Ok(Store::Sqlite(tempfile::tempdir()?)),
            Some(admin_url) => {
                let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
                pg_execute(admin_url, &format!("CREATE DATABASE {name}"))?;
                Ok(Store::Postgres {
                    admin_url: admin_url.to_owned(),
                    name,
                })
            }
        }
    }

    /// The URL the server is configured with.
    pub fn database_url(&self) -> anyhow::Result<String> {
        match self {
            Store::Sqlite(dir) => Ok(dir.path().join("lvzhi.db").to_string_lossy().into_owned()),
            Store::Postgres { admin_url, name } => {
                let mut url = reqwest::Url::parse(admin_url)?;
                url.set_path(&format!("/{name}"));
                Ok(url.into())
            }
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Store::Postgres { admin_url, name } = self {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let (url, name) = (admin_url.clone(), name.clone());
            // On a thread of its own: drop may run on an async worker.
            let dropped = std::thread::spawn(move || pg_execute(&url, &sql)).join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop the database {name}; CI drops leftovers at its next run");
            }
        }
    }
}

fn pg_execute(url: &str, sql: &str) -> anyhow::Result<()> {
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::pg::PgConnection::establish(url)
        .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))?;
    diesel::sql_query(sql).execute(&mut conn)?;
    Ok(())
}
