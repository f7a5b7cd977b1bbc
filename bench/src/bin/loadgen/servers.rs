//! The servers under load, each on the server runtime: the real Lvzhi server
//! over a fresh database, and the baseline service that only checks tokens.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lvzhi_server::auth::jwt::AccessClaims;
use lvzhi_server::domain::accounts::bootstrap::FirstAdmin;
use lvzhi_server::{AppState, Application, Config};
use lvzhi_shared::ids::{CommitteeId, MemberId};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::LocalAddr;
use poem::{EndpointExt, Request, Route, Server};
use poem_openapi::auth::Bearer;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, OpenApiService, SecurityScheme};
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server serving on the server runtime until stopped.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await??;
        Ok(())
    }
}

/// The real server as `lvzhi-server serve` runs it, built and served on `rt`.
pub async fn start_real(
    rt: &Handle,
    config: Config,
) -> anyhow::Result<(Running, Arc<AppState>, FirstAdmin)> {
    let (shutdown, stopped) = oneshot::channel::<()>();
    let (addr, state, admin, task) = rt
        .spawn(async move {
            let app = Application::build(config).await?;
            let addr = app.addr();
            let state = app.state();
            let admin = app
                .first_admin()
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("a fresh database gets a first admin"))?;
            let task = tokio::spawn(app.run_until_stopped(async {
                let _ = stopped.await;
            }));
            anyhow::Ok((addr, state, admin, task))
        })
        .await??;
    Ok((
        Running {
            addr,
            shutdown,
            task,
        },
        state,
        admin,
    ))
}

/// The baseline: one poem-openapi operation whose only work is checking the
/// bearer token with the real server's keys, served on `rt` on its own port.
pub async fn start_baseline(rt: &Handle, state: Arc<AppState>) -> anyhow::Result<Running> {
    let (shutdown, stopped) = oneshot::channel::<()>();
    let (addr, task) = rt
        .spawn(async move {
            let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
            let addr = acceptor
                .local_addr()
                .into_iter()
                .find_map(|LocalAddr(a)| a.as_socket_addr().copied())
                .ok_or_else(|| anyhow::anyhow!("the baseline listener has no address"))?;
            let service = OpenApiService::new(BaselineApi, "Lvzhi load baseline", "1");
            let app = Route::new().nest("/", service).data(state);
            let task = tokio::spawn(
                Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
                    app,
                    async {
                        let _ = stopped.await;
                    },
                    Some(Duration::from_secs(5)),
                ),
            );
            anyhow::Ok((addr, task))
        })
        .await??;
    Ok(Running {
        addr,
        shutdown,
        task,
    })
}

/// A bearer JWT checked exactly as the real server's scheme checks it.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "verify_token")]
struct BaselineAuth(AccessClaims);

async fn verify_token(req: &Request, bearer: Bearer) -> poem::Result<AccessClaims> {
    let state = req.data::<Arc<AppState>>().ok_or_else(|| {
        poem::Error::from_string(
            "application state missing",
            poem::http::StatusCode::INTERNAL_SERVER_ERROR,
        )
    })?;
    Ok(state.auth.jwt.verify(&bearer.token)?)
}

#[derive(Object)]
struct WhoAmI {
    user_id: MemberId,
    committee_id: CommitteeId,
    role: String,
}

struct BaselineApi;

#[OpenApi]
impl BaselineApi {
    /// Who the token says the caller is.
    #[oai(path = "/whoami", method = "get")]
    async fn whoami(&self, auth: BaselineAuth) -> Json<WhoAmI> {
        let claims = auth.0;
        Json(WhoAmI {
            user_id: claims.sub,
            committee_id: claims.cid,
            role: claims.role,
        })
    }
}
