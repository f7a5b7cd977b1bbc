//! `lvzhi-server`: a thin command line over the library.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use lvzhi_server::auth::jwt;
use lvzhi_server::auth::password::PasswordHasher;
use lvzhi_server::clock::{Clock, SystemClock};
use lvzhi_server::db::Db;
use lvzhi_server::domain::accounts::bootstrap;
use lvzhi_server::{Application, Config, demo, telemetry};

#[derive(Parser)]
#[command(name = "lvzhi-server", version, about = "The Lvzhi (履职) server")]
struct Cli {
    /// TOML configuration file (also LVZHI_CONFIG); LVZHI_* variables override it.
    #[arg(long, env = "LVZHI_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve {
        /// Load the demo committee first and print its sign-in details.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo committee, print its sign-in details and exit.
    Demo,
    /// Add a new JWT signing key; it becomes current at the next start and the
    /// old one keeps working until its tokens expire.
    RotateKey,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    telemetry::init(&config.log_format);
    let runtime = tokio::runtime::Runtime::new()?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => runtime.block_on(serve(config, demo)),
        Command::Migrate => {
            let db = Db::connect(&config.database_url, 1)?;
            let applied = db.migrate()?;
            println!(
                "database is up to date ({} migrations were pending)",
                applied.len()
            );
            Ok(())
        }
        Command::Demo => runtime.block_on(async {
            let db = Db::connect(&config.database_url, 2)?;
            let hasher = PasswordHasher::new(1, 8)?;
            print_demo(&demo::load(&db, &hasher, SystemClock.now_naive()).await?);
            Ok(())
        }),
        Command::RotateKey => {
            if config.auth.jwt_secret.is_some() {
                anyhow::bail!(
                    "the signing key comes from configuration (auth.jwt_secret); rotate it there"
                );
            }
            let db = Db::connect(&config.database_url, 1)?;
            let kid = jwt::rotate(&db, &SystemClock)?;
            println!("new signing key {kid}; restart the servers to sign with it");
            Ok(())
        }
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    if let Some(admin) = app.first_admin() {
        // Printed once, to the terminal only (never to the log).
        println!(
            "\nFirst start: created the committee and an admin account.\n  phone:    {}\n  password: {}  (shown once; change it with PUT /api/v1/me/password)\n",
            admin.phone, admin.password
        );
    }
    if demo {
        let state = app.state();
        print_demo(&demo::load(&state.db, &state.hasher, state.clock.now_naive()).await?);
    }
    println!(
        "Office console: http://{addr}/console   API docs: http://{addr}/docs\n",
        addr = app.addr()
    );
    tracing::info!(addr = %app.addr(), docs = %format!("http://{}/docs", app.addr()), "listening");
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn print_demo(logins: &bootstrap::DemoLogins) {
    println!(
        "\nDemo committee {} loaded (320 members).\n  organizer: phone {} password {}\n  member:    phone {} password {} ({})\n",
        bootstrap::DEMO_COMMITTEE,
        logins.organizer_phone,
        logins.organizer_password,
        logins.member_phone,
        logins.member_password,
        logins.member_name
    );
}

/// SIGTERM (service managers) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
