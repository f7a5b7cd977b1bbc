//! The Lvzhi server as a library: `Application::build(config)` gives the
//! server `lvzhi-server serve` runs, so tests can run it in-process.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod maintenance;
pub mod metrics;
pub mod push;
pub mod telemetry;

pub use app::{AppState, Application};
pub use config::Config;
