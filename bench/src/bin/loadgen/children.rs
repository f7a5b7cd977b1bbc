//! Server processes for the two-process race: the release `lvzhi-server
//! serve` binary beside this one, started on a database the in-process server
//! has already prepared (so there is no first-start admin to read), stopped
//! with SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `lvzhi-server serve` on `database_url` and waits for `/healthz`.
    pub async fn start(database_url: &str) -> anyhow::Result<Self> {
        let bin = server_binary()?;
        let addr: SocketAddr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?
        };
        let mut command = Command::new(&bin);
        command.arg("serve");
        // The server refuses unknown LVZHI_* keys (e.g. LVZHI_TEST_POSTGRES_URL).
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("LVZHI_") {
                command.env_remove(key);
            }
        }
        let child = command
            .env("LVZHI_BIND", addr.to_string())
            .env("LVZHI_DATABASE_URL", database_url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", bin.display()))?;
        let mut server = Self { child, addr };
        let client = reqwest::Client::builder().no_proxy().build()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(resp) = client.get(format!("http://{addr}/healthz")).send().await
                && resp.status().is_success()
            {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                anyhow::bail!("{} exited ({status}) before answering", bin.display());
            }
            if Instant::now() > deadline {
                anyhow::bail!("{} did not answer /healthz within 60 s", bin.display());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM and wait (SIGKILL after 10 s).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = self.child.wait();
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `lvzhi-server` from the same build as this binary (`cargo build --release
/// -p lvzhi-server` puts it beside `lvzhi-loadgen`).
fn server_binary() -> anyhow::Result<PathBuf> {
    let bin = std::env::current_exe()?.with_file_name("lvzhi-server");
    if !bin.exists() {
        anyhow::bail!(
            "{} not found: build it with `cargo build --release -p lvzhi-server`",
            bin.display()
        );
    }
    Ok(bin)
}
