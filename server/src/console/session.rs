//! Who is at the keyboard: the console's cookie session, and the CSRF
//! tokens that every change must carry.
//!
//! The session cookie is HttpOnly (scripts cannot read it), SameSite=Strict
//! (other sites' pages cannot send it), scoped to `/console`, and Secure
//! when configured; it has no Max-Age, so it also ends with the browser.
//! Signing in is protected by a second, short-lived cookie whose value the
//! form repeats (double submit), since there is no session yet to hold a token.

use lvzhi_shared::audit::AuditVia;
use lvzhi_shared::members::Role;
use poem::Request;
use poem::http::Method;
use poem::web::cookie::{Cookie, CookieJar, SameSite};
use subtle::ConstantTimeEq;

use super::errors::ConsoleError;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::Ctx;
use crate::domain::accounts::console_sessions;

pub const SESSION_COOKIE: &str = "lvzhi_console";
pub const SIGN_IN_COOKIE: &str = "lvzhi_console_sign_in";
/// The header htmx sends with the CSRF token (forms send it as field `csrf`).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in organizer or admin, with what every page shows of them.
pub struct Clerk {
    pub ctx: Ctx,
    pub name: String,
    pub committee_name: String,
    pub csrf: String,
}

impl Clerk {
    /// The office user whose session cookie came with `req`; otherwise
    /// where to send them (sign in, then back to this page).
    pub async fn of(state: &AppState, req: &Request) -> Result<Clerk, ConsoleError> {
        let sign_in = || ConsoleError::SignIn { next: back_to(req) };
        let token = req
            .cookie()
            .get(SESSION_COOKIE)
            .map(|c| c.value_str().to_owned())
            .ok_or_else(sign_in)?;
        let config = state.config.console.clone();
        let now = state.clock.now_naive();
        let live = state
            .db
            .run(move |conn| console_sessions::find_live(conn, &token, &config, now))
            .await?
            .ok_or_else(sign_in)?;
        if live.user.role == Role::Member {
            return Err(ConsoleError::Forbidden);
        }
        let caller = Caller {
            user_id: live.user.id,
            committee_id: live.user.committee_id,
            role: live.user.role,
            session_id: live.session.id,
        };
        let mut ctx = state.ctx(caller).await?;
        ctx.via = AuditVia::Console;
        Ok(Clerk {
            ctx,
            name: live.user.name,
            committee_name: live.committee_name,
            csrf: live.session.csrf_token,
        })
    }

    pub fn is_admin(&self) -> bool {
        self.ctx.caller.role == Role::Admin
    }

    /// Refuses a page that is the admin's (accounts, roles, settings).
    pub fn require_admin(&self) -> Result<(), ConsoleError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden)
        }
    }

    /// Refuses a change whose form field or `X-CSRF-Token` header does not
    /// repeat this session's token.
    pub fn check_csrf(&self, req: &Request, field: Option<&str>) -> Result<(), ConsoleError> {
        let sent = field
            .filter(|f| !f.is_empty())
            .or_else(|| req.header(CSRF_HEADER));
        match sent {
            Some(sent) if same_secret(sent, &self.csrf) => Ok(()),
            _ => Err(ConsoleError::Csrf),
        }
    }
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Where to come back to after signing in: this page when it was a GET,
/// otherwise the start page (a half-sent form cannot be replayed).
fn back_to(req: &Request) -> String {
    if req.method() == Method::GET {
        let uri = req.original_uri();
        uri.path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/console/today".into())
    } else {
        "/console/today".into()
    }
}

/// A `next` the sign-in page may send the browser to: only a console page
/// of this server (never `//elsewhere` or another scheme).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/console/")
                && !n.contains("//")
                && !n.contains("..")
                && !n.to_ascii_lowercase().contains("%2e")
                && !n.contains('\\')
                && !n.starts_with("/console/login")
                && n.chars().all(|c| c.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/console/today".into(),
    }
}

fn cookie(name: &str, value: &str, path: &str, secure: bool) -> Cookie {
    let mut c = Cookie::new_with_str(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path(path);
    c.set_secure(secure);
    c
}

/// Gives the browser the session cookie.
pub fn set_session(jar: &CookieJar, token: &str, secure: bool) {
    jar.add(cookie(SESSION_COOKIE, token, "/console", secure));
}

/// Tells the browser to forget the session cookie.
pub fn clear_session(jar: &CookieJar, secure: bool) {
    let mut c = cookie(SESSION_COOKIE, "", "/console", secure);
    c.make_removal();
    jar.add(c);
}

/// The sign-in form's token: the one the browser holds, or a new one.
pub fn sign_in_token(jar: &CookieJar, secure: bool) -> String {
    if let Some(c) = jar.get(SIGN_IN_COOKIE) {
        let value = c.value_str().to_owned();
        if !value.is_empty() {
            return value;
        }
    }
    let token = console_sessions::random_token();
    jar.add(cookie(SIGN_IN_COOKIE, &token, "/console/login", secure));
    token
}

/// Whether the sign-in form repeated the token its cookie holds.
pub fn sign_in_token_matches(jar: &CookieJar, sent: &str) -> bool {
    jar.get(SIGN_IN_COOKIE)
        .is_some_and(|c| same_secret(sent, c.value_str()))
}
