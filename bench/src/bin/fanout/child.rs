//! The release server as a child process: `lvzhi-server serve`, configured
//! only by `LVZHI_*` variables, its stdout and stderr read on threads of
//! their own (the first-start admin is parsed from stdout), stopped with
//! SIGTERM.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A fixed signing secret (the server wants ≥ 32 bytes); nothing it signs leaves this run.
const JWT_SECRET: &str = "fanout-bench-secret-fanout-bench-secret-0123";
/// Output lines kept for an error report.
const KEEP_LINES: usize = 40;

/// What the server is told.
pub struct Settings<'a> {
    pub database_url: &'a str,
    pub credentials_file: &'a Path,
    pub fcm_base_url: &'a str,
    pub max_in_flight: usize,
    pub batch_size: usize,
}

/// The first-start admin, as the server printed it.
pub struct Admin {
    pub phone: String,
    pub password: String,
}

pub struct Server {
    child: Child,
    pub origin: String,
    pub admin: Admin,
    /// The last lines of its stdout and stderr.
    output: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    /// Starts the server and waits for its admin line and `/healthz`.
    pub async fn start(bin: &Path, settings: &Settings<'_>) -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut command = Command::new(bin);
        command.arg("serve");
        // Nothing of this process's LVZHI_* (e.g. LVZHI_TEST_POSTGRES_URL)
        // may reach the server: its configuration refuses unknown keys.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("LVZHI_") {
                command.env_remove(key);
            }
        }
        command
            .env("LVZHI_BIND", format!("127.0.0.1:{port}"))
            .env("LVZHI_DATABASE_URL", settings.database_url)
            .env("LVZHI_AUTH__JWT_SECRET", JWT_SECRET)
            .env(
                "LVZHI_PUSH__CREDENTIALS_FILE",
                settings.credentials_file.as_os_str(),
            )
            .env("LVZHI_PUSH__FCM_BASE_URL", settings.fcm_base_url)
            .env(
                "LVZHI_PUSH__MAX_IN_FLIGHT",
                settings.max_in_flight.to_string(),
            )
            .env("LVZHI_PUSH__BATCH_SIZE", settings.batch_size.to_string())
            .env("NO_PROXY", "127.0.0.1,localhost")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", bin.display()))?;
        let output = Arc::new(Mutex::new(VecDeque::new()));
        let (admin_tx, admin_rx) = mpsc::channel::<Admin>();
        if let Some(stdout) = child.stdout.take() {
            drain(stdout, output.clone(), Some(admin_tx));
        }
        if let Some(stderr) = child.stderr.take() {
            drain(stderr, output.clone(), None);
        }
        let mut server = Self {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            admin: Admin {
                phone: String::new(),
                password: String::new(),
            },
            output,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match admin_rx.try_recv() {
                Ok(admin) => {
                    server.admin = admin;
                    break;
                }
                Err(mpsc::TryRecvError::Disconnected) => {
                    let lines = server.last_lines();
                    server.kill();
                    anyhow::bail!(
                        "the server closed its output before printing the first admin; it said:\n{lines}"
                    );
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                anyhow::bail!(
                    "the server exited ({status}) before printing the first admin; it said:\n{}",
                    server.last_lines()
                );
            }
            if Instant::now() > deadline {
                let lines = server.last_lines();
                server.kill();
                anyhow::bail!("no first-admin line within 60 s; the server said:\n{lines}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.wait_healthy(deadline).await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self, deadline: Instant) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().no_proxy().build()?;
        let url = format!("{}/healthz", self.origin);
        loop {
            if let Ok(resp) = client.get(&url).send().await
                && resp.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                let lines = self.last_lines();
                self.kill();
                anyhow::bail!("/healthz did not answer 200 within 60 s; the server said:\n{lines}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its output's last lines, for error reports.
    pub fn last_lines(&self) -> String {
        let lines = self.output.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// SIGTERM, then up to `grace` for it to exit; SIGKILL after that.
    /// Returns its exit status, or `None` if it had to be killed.
    pub async fn terminate(mut self, grace: Duration) -> anyhow::Result<Option<ExitStatus>> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(sent, Ok(s) if s.success()) {
            self.kill();
            return Ok(None);
        }
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() > deadline {
                self.kill();
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only reached without `terminate` (an error on the way): never leave it running.
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// A port nobody listens on right now.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Reads `from` line by line until it closes, keeping the last lines; on
/// stdout, passes on the first-start admin (`  phone:    …` then `  password: …`).
fn drain(
    from: impl Read + Send + 'static,
    keep: Arc<Mutex<VecDeque<String>>>,
    admin: Option<mpsc::Sender<Admin>>,
) {
    std::thread::spawn(move || {
        let mut phone: Option<String> = None;
        let mut admin = admin;
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("phone:") {
                phone = Some(rest.trim().to_owned());
            } else if let Some(rest) = trimmed.strip_prefix("password:") {
                let password = rest.split_whitespace().next().map(str::to_owned);
                if let (Some(phone), Some(password), Some(tx)) =
                    (phone.take(), password, admin.take())
                {
                    let _ = tx.send(Admin { phone, password });
                }
                // The password is not kept among the lines.
                continue;
            }
            let mut lines = keep.lock().unwrap_or_else(|e| e.into_inner());
            if lines.len() == KEEP_LINES {
                lines.pop_front();
            }
            lines.push_back(line);
        }
    });
}
