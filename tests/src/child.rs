//! The real `lvzhi-server` binary as a child process, for tests that need a
//! process to die (SIGKILL) or several processes on one database.
//!
//! The binary is the debug one of the running test's own target directory
//! (`target/debug/deps/<test>` → `target/debug/lvzhi-server`). `cargo test`
//! builds a package's binaries only for that package's own integration
//! tests, and the server has none, so the first [`ChildServer::start`] of a
//! test process runs `cargo build -p lvzhi-server --bin lvzhi-server` into
//! that same target directory (a no-op when it is up to date). That keeps a
//! test from ever running a stale server.
//!
//! A child is configured by `LVZHI_*` variables only (none of the test
//! process's own are passed on), keeps its port across restarts, and its
//! first start's admin is read from its stdout.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// A running (or killed, awaiting restart) server process.
pub struct ChildServer {
    child: Option<Child>,
    env: Vec<(String, String)>,
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
        let port = free_port()?;
        let mut env = vec![
            ("LVZHI_BIND".to_owned(), format!("127.0.0.1:{port}")),
            ("LVZHI_DATABASE_URL".to_owned(), database_url.to_owned()),
            (
                "LVZHI_AUTH__JWT_SECRET".to_owned(),
                CHILD_JWT_SECRET.to_owned(),
            ),
        ];
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let mut server = Self {
            child: None,
            env,
            origin: format!("http://127.0.0.1:{port}"),
            admin: None,
            output: Arc::new(Mutex::new(VecDeque::new())),
        };
        server.admin = server.spawn().await?;
        Ok(server)
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
    /// Returns whether it exited by itself.
    pub async fn terminate(&mut self, grace: Duration) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + grace;
        if matches!(sent, Ok(s) if s.success()) {
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        false
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
        let bin = server_binary().map_err(|e| anyhow::anyhow!("{e}"))?;
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
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("LVZHI_LOG_FORMAT", "text")
            .env("RUST_LOG", "info")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
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
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{}/healthz", self.origin);
        let mut admin = None;
        let mut listening = false;
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

/// The `lvzhi-server` binary next to this test's target directory, built
/// (once per test process) by cargo so that it matches the sources; or the
/// one `LVZHI_TEST_SERVER_BIN` names.
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
