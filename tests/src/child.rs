//! The real `lvzhi-server` binary as a child process, for tests that need a
//! process to die (SIGKILL) or several processes on one database, and for the
//! benchmarks that measure it from outside.
//!
//! The binary is the one of the running program's own target directory. A
//! test runs from `target/<profile>/deps/<test>`: `cargo test` builds a
//! package's binaries only for that package's own integration tests, and the
//! server has none, so the first start of a test process runs `cargo build -p
//! lvzhi-server --bin lvzhi-server` into that same target directory (a no-op
//! when it is up to date), which keeps a test from ever running a stale
//! server. A benchmark runs from `target/<profile>/` and takes the
//! `lvzhi-server` built beside it. `LVZHI_TEST_SERVER_BIN` names another.
//!
//! A child is configured by `LVZHI_*` variables only (none of this process's
//! own are passed on) and keeps its port across restarts. [`ChildServer::start`]
//! gives it a known signing secret and reads its output (the first start's
//! admin, the last lines for failure reports); a [`Launch`] changes that.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// A signing secret for children, so tests can mint access tokens for members
/// they wrote straight into the database (`lvzhi_server::auth::jwt::JwtKeys`).
pub const CHILD_JWT_SECRET: &str = "child-server-secret-child-server-secret-0123";
/// Names a prebuilt server binary to use instead of building one.
pub const SERVER_BIN_ENV: &str = "LVZHI_TEST_SERVER_BIN";
/// Output lines kept for failure reports.
const KEEP_LINES: usize = 60;
/// Longest wait for a start (migrations, first-start bootstrap, `/healthz`).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The first-start admin, as the server printed it.
#[derive(Debug, Clone)]
pub struct Admin {
    pub phone: String,
    pub password: String,
}

/// How a child server is started. The defaults are what
/// [`ChildServer::start`] does; the benchmarks change some of them.
#[derive(Debug, Clone)]
pub struct Launch {
    database_url: String,
    env: Vec<(String, String)>,
    binary: Option<PathBuf>,
    jwt_secret: Option<String>,
    keep_output: bool,
    log_filter: Option<String>,
}

impl Launch {
    /// A server on `database_url`, signing with [`CHILD_JWT_SECRET`], its
    /// output read, `RUST_LOG=info`, the binary [`server_binary`] finds.
    pub fn new(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            env: Vec::new(),
            binary: None,
            jwt_secret: Some(CHILD_JWT_SECRET.to_owned()),
            keep_output: true,
            log_filter: Some("info".to_owned()),
        }
    }

    /// One more `LVZHI_*` setting, e.g. `("LVZHI_DB_POOL_SIZE", "4")`.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// This server binary instead of the one [`server_binary`] finds.
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// No `LVZHI_AUTH__JWT_SECRET`: the server signs with the secret kept in
    /// the database, so tokens another server issued on it stay valid.
    pub fn secret_from_database(mut self) -> Self {
        self.jwt_secret = None;
        self
    }

    /// Its stdout and stderr go to `/dev/null`: nothing in this process
    /// spends time reading its log. Readiness is then `/healthz` alone, and
    /// no first-start admin is read.
    pub fn discard_output(mut self) -> Self {
        self.keep_output = false;
        self
    }

    /// `RUST_LOG` is this process's (unset: the server's default), not `info`.
    /// Only with [`Self::discard_output`]: a start whose output is read waits
    /// for the server's `listening` line, which is logged at `info`.
    pub fn inherit_log_filter(mut self) -> Self {
        self.log_filter = None;
        self
    }
}

/// A running (or killed, awaiting restart) server process.
pub struct ChildServer {
    child: Option<Child>,
    launch: Launch,
    port: u16,
    /// `http://127.0.0.1:PORT`, the same across restarts.
    pub origin: String,
    /// Set when this database's first start created it (else `None`).
    pub admin: Option<Admin>,
    output: Arc<Mutex<VecDeque<String>>>,
}

impl ChildServer {
    /// Starts a server on `database_url` with `LVZHI_*` settings `extra`
    /// (e.g. `("LVZHI_DB_POOL_SIZE", "4")`), waits for `/healthz`.
    /// The bind address, database URL and signing secret are set here.
    pub async fn start(database_url: &str, extra: &[(&str, &str)]) -> anyhow::Result<Self> {
        let launch = extra
            .iter()
            .fold(Launch::new(database_url), |l, (k, v)| l.env(k, *v));
        Self::launch(launch).await
    }

    /// Starts a server as `launch` says and waits for `/healthz`.
    pub async fn launch(launch: Launch) -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut server = Self {
            child: None,
            launch,
            port,
            origin: format!("http://127.0.0.1:{port}"),
            admin: None,
            output: Arc::new(Mutex::new(VecDeque::new())),
        };
        server.admin = server.spawn().await?;
        Ok(server)
    }

    /// Where it listens (`127.0.0.1:PORT`), the same across restarts.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// SIGKILL (what `Child::kill` sends): no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then up to `grace` for a clean exit (SIGKILL after that).
    /// Returns whether it exited by itself (or was not running).
    pub async fn terminate(&mut self, grace: Duration) -> bool {
        if self.child.is_none() {
            return true;
        }
        self.terminate_for_status(grace).await.is_some()
    }

    /// [`Self::terminate`], returning the exit status when it exited by
    /// itself; `None` when it had to be killed or was not running.
    pub async fn terminate_for_status(&mut self, grace: Duration) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + grace;
        if matches!(sent, Ok(s) if s.success()) {
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    return Some(status);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// Starts it again (after `kill` or `terminate`) on the same database,
    /// port and settings; waits for `/healthz`.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        if let Some(admin) = self.spawn().await? {
            anyhow::bail!(
                "a restart bootstrapped again (admin {}): the database was not kept",
                admin.phone
            );
        }
        Ok(())
    }

    /// Its output's last lines (stdout and stderr), for failure messages.
    pub fn last_lines(&self) -> String {
        let lines = self.output.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    async fn spawn(&mut self) -> anyhow::Result<Option<Admin>> {
        let launch = &self.launch;
        let bin = match &launch.binary {
            Some(bin) => bin.as_path(),
            None => server_binary().map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        let mut command = Command::new(bin);
        command.arg("serve");
        // The server refuses unknown LVZHI_* keys, and the test's own
        // (LVZHI_TEST_POSTGRES_URL) are none of its business.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("LVZHI_") {
                command.env_remove(key);
            }
        }
        command
            .env("LVZHI_BIND", self.addr().to_string())
            .env("LVZHI_DATABASE_URL", &launch.database_url);
        if let Some(secret) = &launch.jwt_secret {
            command.env("LVZHI_AUTH__JWT_SECRET", secret);
        }
        command
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .env("LVZHI_LOG_FORMAT", "text");
        if let Some(filter) = &launch.log_filter {
            command.env("RUST_LOG", filter);
        }
        let output = || {
            if launch.keep_output {
                Stdio::piped()
            } else {
                Stdio::null()
            }
        };
        command
            .env("NO_PROXY", "127.0.0.1,localhost")
            .stdin(Stdio::null())
            .stdout(output())
            .stderr(output());
        let mut child = command
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", bin.display()))?;
        let (ready_tx, ready_rx) = mpsc::channel::<Option<Admin>>();
        if let Some(stdout) = child.stdout.take() {
            drain(stdout, self.output.clone(), Some(ready_tx));
        }
        if let Some(stderr) = child.stderr.take() {
            drain(stderr, self.output.clone(), None);
        }
        // Without its output there is no `listening` line to wait for.
        let mut listening = !launch.keep_output;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{}/healthz", self.origin);
        let mut admin = None;
        loop {
            if !listening && let Ok(seen) = ready_rx.try_recv() {
                admin = seen;
                listening = true;
            }
            if listening
                && let Ok(resp) = client.get(&url).send().await
                && resp.status().is_success()
            {
                return Ok(admin);
            }
            if !self.is_running() {
                let lines = self.last_lines();
                self.kill();
                anyhow::bail!("the server exited while starting; it said:\n{lines}");
            }
            if Instant::now() > deadline {
                let lines = self.last_lines();
                self.kill();
                anyhow::bail!(
                    "/healthz did not answer within {START_TIMEOUT:?}; the server said:\n{lines}"
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // Never leave a server running after its test.
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "--- the last lines of the server at {} ---\n{}",
                self.origin,
                self.last_lines()
            );
        }
    }
}

/// The `lvzhi-server` binary of this program's target directory: for a test,
/// built (once per test process) by cargo so that it matches the sources; for
/// a benchmark, the one built beside it; or the one `LVZHI_TEST_SERVER_BIN`
/// names.
pub fn server_binary() -> Result<&'static Path, String> {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BINARY
        .get_or_init(build_server)
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

fn build_server() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os(SERVER_BIN_ENV) {
        return Ok(PathBuf::from(bin));
    }
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    if let Some(dir) = exe.parent().filter(|dir| !dir.ends_with("deps")) {
        // target/<profile>/<benchmark binary>: cargo built the server beside it.
        let bin = dir.join("lvzhi-server");
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!(
                "{} not found: build it with `cargo build --release -p lvzhi-server` \
                 or name one with {SERVER_BIN_ENV}",
                bin.display()
            ))
        };
    }
    // target/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .filter(|deps| deps.ends_with("deps"))
        .and_then(Path::parent)
        .ok_or_else(|| {
            format!(
                "{} is not in target/<profile>/deps; set {SERVER_BIN_ENV} to a lvzhi-server binary",
                exe.display()
            )
        })?;
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("no target directory above {}", profile_dir.display()))?;
    let profile = profile_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the tests crate has no parent folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "-p",
            "lvzhi-server",
            "--bin",
            "lvzhi-server",
        ])
        .arg("--target-dir")
        .arg(target_dir);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            build.arg("--release");
        }
        other => {
            build.args(["--profile", other]);
        }
    }
    let out = build
        .output()
        .map_err(|e| format!("cannot run cargo to build lvzhi-server: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build -p lvzhi-server failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let bin = profile_dir.join("lvzhi-server");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "cargo built lvzhi-server but {} is missing",
            bin.display()
        ))
    }
}

/// A port nobody listens on right now.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Reads `from` until it closes, keeping the last lines. On stdout (`ready`
/// given) it picks up the first-start admin (`phone: …` then `password: …`,
/// never kept), which the server prints before its log's `listening` line
/// (the log is on stdout too), and sends it on at that line.
fn drain(
    from: impl Read + Send + 'static,
    keep: Arc<Mutex<VecDeque<String>>>,
    ready: Option<mpsc::Sender<Option<Admin>>>,
) {
    std::thread::spawn(move || {
        let mut phone: Option<String> = None;
        let mut admin: Option<Admin> = None;
        let mut ready = ready;
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            let trimmed = line.trim();
            if ready.is_some() {
                if let Some(rest) = trimmed.strip_prefix("phone:") {
                    phone = Some(rest.trim().to_owned());
                } else if let Some(rest) = trimmed.strip_prefix("password:") {
                    let password = rest.split_whitespace().next().map(str::to_owned);
                    if let (Some(phone), Some(password)) = (phone.take(), password) {
                        admin = Some(Admin { phone, password });
                    }
                    continue;
                } else if trimmed.contains("listening")
                    && let Some(tx) = ready.take()
                {
                    let _ = tx.send(admin.take());
                }
            }
            let mut lines = keep.lock().unwrap_or_else(|e| e.into_inner());
            if lines.len() == KEEP_LINES {
                lines.pop_front();
            }
            lines.push_back(line);
        }
    });
}
