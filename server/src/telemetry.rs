//! Structured logs. `RUST_LOG` filters (default `info`); `log_format = json`
//! writes one JSON object per line for log collectors.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // Already initialised (tests start several servers in one process): keep the first.
    let _ = result;
}
