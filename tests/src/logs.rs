//! The whole test run's log, captured and searched for personal data.
//!
//! [`install`] sets one global `tracing` subscriber per test process that
//! formats events as production does (plus DEBUG for the Lvzhi crates) into
//! an in-memory buffer. [`check`] takes what was captured since the last
//! check and panics, with the offending lines masked, if any holds a phone
//! number, a token, an activation code or a password. `TestApp` installs on
//! spawn and checks on drop, so every test of every binary scans the log.

use std::sync::{Mutex, OnceLock};

use regex::Regex;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// What production logs by default (`info`), and DEBUG for our own crates.
const FILTER: &str =
    "info,lvzhi_server=debug,lvzhi_shared=debug,lvzhi_mobile=debug,lvzhi_tests=debug";

/// Formatted log lines not yet checked.
static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// Exact strings that must never be logged (each app's random admin password).
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<()> = OnceLock::new();

#[derive(Clone, Copy)]
struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&CAPTURED).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

/// A poisoned lock only means another test panicked while holding it; the data is still good.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Installs the capturing subscriber once per process.
pub fn install() {
    INSTALLED.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(FILTER))
            .with_writer(Capture)
            .with_ansi(false)
            .try_init()
            .unwrap_or_else(|e| {
                panic!(
                    "another global subscriber is installed; the log scan would see nothing: {e}"
                )
            });
    });
}

/// Adds an exact string to look for from now on.
pub fn watch_for(secret: &str) {
    if !secret.is_empty() {
        lock(&SECRETS).push(secret.to_owned());
    }
}

/// Scans what was captured since the last check; panics with the masked
/// offending lines unless this thread is already panicking.
pub fn check() {
    let text = std::mem::take(&mut *lock(&CAPTURED));
    if text.is_empty() {
        return;
    }
    let secrets = lock(&SECRETS).clone();
    let found = findings(&String::from_utf8_lossy(&text), &secrets);
    if !found.is_empty() && !std::thread::panicking() {
        panic!(
            "personal data in the server log ({} line(s)):\n{}",
            found.len(),
            found.join("\n")
        );
    }
}

/// Kinds of personal data, each with a pattern. Boundaries are written out
/// (the regex crate has no look-around) so that digits inside request ids,
/// UUIDs or durations do not count.
fn patterns() -> &'static [(&'static str, Regex)] {
    static PATTERNS: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let kinds = [
            // 13900000007, +86 139 0000 0007, 0086-139-0000-0007 (the spellings the server accepts).
            (
                "phone",
                r"(?:^|[^0-9A-Za-z.])((?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4}))(?:[^0-9A-Za-z]|$)",
            ),
            // Access tokens: a JWT's header and payload are base64 JSON (`{"` → `eyJ`).
            (
                "jwt",
                r"(eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)",
            ),
            // Refresh tokens and calendar feed secrets (an HMAC-SHA256):
            // 32 bytes, base64url without padding.
            (
                "refresh token",
                r"(?:^|[^A-Za-z0-9_-])([A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
            ),
            // Activation codes: 8 digits.
            (
                "activation code",
                r"(?:^|[^0-9A-Za-z.:-])([0-9]{8})(?:[^0-9A-Za-z:-]|$)",
            ),
            // FCM registration tokens, real (`…:APA91b…`) and the tests' own.
            (
                "device token",
                r"([A-Za-z0-9_-]+:APA91[A-Za-z0-9_-]+|\b(?:tok|device|phone)-[A-Za-z0-9-]+|\b[a-z]+-phone(?:-token)?\b)",
            ),
            // The passwords the tests and the demo use.
            (
                "password",
                r"(password-[0-9]+|\b[a-z]+-password(?:-[0-9]+)?\b|demo-organizer|demo-member|test-secret-test-secret)",
            ),
        ];
        kinds
            .into_iter()
            .map(|(kind, re)| (kind, Regex::new(re).expect("log pattern")))
            .collect()
    })
}

/// The lines of `log` that hold personal data, masked, each with what was found.
pub fn findings(log: &str, secrets: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in log.lines() {
        let mut hits: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
        for (kind, re) in patterns() {
            for caps in re.captures_iter(line) {
                let Some(m) = caps.get(1) else { continue };
                // Random base64 mixes cases; identifiers of that length do not.
                if *kind == "refresh token"
                    && !(m.as_str().bytes().any(|b| b.is_ascii_uppercase())
                        && m.as_str().bytes().any(|b| b.is_ascii_lowercase()))
                {
                    continue;
                }
                hits.push((kind, m.range()));
            }
        }
        for secret in secrets {
            for (at, s) in line.match_indices(secret.as_str()) {
                hits.push(("secret", at..at + s.len()));
            }
        }
        if !hits.is_empty() {
            let kinds: Vec<&str> = hits.iter().map(|(k, _)| *k).collect();
            out.push(format!("[{}] {}", kinds.join(", "), mask(line, &hits)));
        }
    }
    out
}

/// The line with each hit replaced by its first two and last two characters around `…`.
fn mask(line: &str, hits: &[(&str, std::ops::Range<usize>)]) -> String {
    let mut ranges: Vec<std::ops::Range<usize>> = hits.iter().map(|(_, r)| r.clone()).collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    for r in ranges {
        if r.start < at {
            continue;
        }
        out.push_str(&line[at..r.start]);
        let hit: Vec<char> = line[r.clone()].chars().collect();
        let head: String = hit.iter().take(2).collect();
        let tail: String = hit.iter().skip(hit.len().saturating_sub(2)).collect();
        out.push_str(&format!("{head}…{tail}"));
        at = r.end;
    }
    out.push_str(&line[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::findings;

    fn flags(line: &str) -> bool {
        !findings(line, &["Xk3mPq9RtW2vYz7a".to_owned()]).is_empty()
    }

    #[test]
    fn personal_data_is_flagged() {
        for line in [
            "INFO login phone=13900000007",
            "member +86 139 0000 0007 signed in",
            "member 0086-139-0000-0007",
            "phone: 8613900000007",
            "auth=Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
            "token=Zq3v_9Kx-Lm2NpQr7StUv8WxYz0Ab1Cd2Ef3Gh4Ij5K",
            "code 04817263 issued",
            "registered device-1",
            "registered tok-0194d2",
            "registered alice-phone",
            "fcm cXkS1:APA91bHqz-token",
            "body={\"password\":\"password-123\"}",
            "demo-organizer signed in",
            "admin Xk3mPq9RtW2vYz7a",
        ] {
            assert!(flags(line), "not flagged: {line}");
        }
    }

    #[test]
    fn ordinary_log_lines_are_not_flagged() {
        for line in [
            "2026-05-01T10:11:12.123456Z  INFO request{id=0194d2a7c3e57b1f9a2c4e6d8f0a1b3c method=POST path=/api/v1/activities/0194d2a7-c3e5-7b1f-9a2c-4e6d8f0a1b3c/signups}: lvzhi_server::app: request status=201 ms=13.912345678901234",
            "INFO maintenance sweep swept=Swept { sessions: 12, codes: 3 }",
            "WARN push: off (no push.credentials_file); notifications reach inboxes and wait in the outbox",
            "request id=13900000007abc",
            "ms=0.13900000007",
            "member_id=0194d2a7-1390-0000-0007-4e6d8f0a1b3c",
            "lvzhi_server::domain::activities::signup_queue::batches",
        ] {
            assert!(!flags(line), "flagged: {line} → {:?}", findings(line, &[]));
        }
    }

    #[test]
    fn masks_keep_only_the_ends() {
        let got = findings("phone=13900000007 done", &[]);
        assert_eq!(got, vec!["[phone] phone=13…07 done".to_owned()]);
    }
}
