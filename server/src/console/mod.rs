//! The office's web console under `/console`: pages rendered on the server
//! with askama (checked at compile time, escaped by default), htmx for
//! partial updates, a cookie session and a CSRF token on every change.
//! Like `api/`, it is HTTP only: every rule it applies is a `domain` call.

mod acting;
mod activation_codes;
mod activities;
mod activity_form;
mod appraisals;
mod assets;
mod bodies;
mod body_import;
mod calendar;
mod chart;
mod checkin;
mod committees;
mod errors;
mod findings;
mod labels;
mod layout;
mod leave_queue;
mod materials;
mod meeting_form;
mod meeting_rules;
mod meetings;
mod members;
mod notices;
mod outcome;
mod password;
mod points;
mod points_disputes;
mod points_entries;
mod points_rules;
mod quorum;
mod report_actions;
mod report_issues;
mod report_merge;
mod reports;
mod roster_import;
mod session;
mod settings;
mod signin;
mod stats;
mod today;

use poem::http::header;
use poem::middleware::CookieJarManager;
use poem::web::Redirect;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler, post};

use crate::config::LimitsConfig;

/// What a page may load and where it may be shown: our own scripts and
/// styles only (no inline script, so an injected `<script>` cannot run),
/// never inside another site's frame.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The largest body a console route takes: the roster and body-list
/// uploads have the import's limit, file uploads the materials' (each with
/// room for the form around the file); every other form the general one.
pub fn body_limit(path: &str, limits: &LimitsConfig) -> usize {
    if path == "/console/members/import" || is_body_import(path) {
        limits.max_import_bytes.saturating_add(64 * 1024)
    } else if is_material_upload(path) {
        limits.max_material_bytes.saturating_add(64 * 1024)
    } else {
        limits.max_body_bytes
    }
}

/// `/console/bodies/{id}/import`, where a body's list is uploaded.
fn is_body_import(path: &str) -> bool {
    path.strip_prefix("/console/bodies/")
        .and_then(|rest| rest.strip_suffix("/import"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// `/console/activities/{id}/materials` and `/console/meetings/{id}/documents`,
/// where files are uploaded.
fn is_material_upload(path: &str) -> bool {
    let one_segment = |id: &str| !id.is_empty() && !id.contains('/');
    path.strip_prefix("/console/activities/")
        .and_then(|rest| rest.strip_suffix("/materials"))
        .is_some_and(one_segment)
        || path
            .strip_prefix("/console/meetings/")
            .and_then(|rest| rest.strip_suffix("/documents"))
            .is_some_and(one_segment)
}

/// The console's routes, to be nested at `/console`.
pub fn routes() -> impl Endpoint {
    Route::new()
        .at("/", get(index))
        .at("/login", get(signin::form).post(signin::submit))
        .at("/logout", post(signin::sign_out))
        .at("/today", get(today::page))
        .at("/password", get(password::form).post(password::change))
        .at("/members", get(members::list))
        .at("/members/export.xlsx", get(members::export))
        .at(
            "/members/import",
            get(roster_import::upload_form).post(roster_import::receive),
        )
        .at("/members/import/template.csv", get(roster_import::template))
        .at(
            "/members/import/:id",
            get(roster_import::report).post(roster_import::confirm),
        )
        .at(
            "/members/codes",
            get(activation_codes::choose).post(activation_codes::print),
        )
        .at("/members/:id", get(members::page))
        .at(
            "/members/:id/signup",
            get(acting::form).post(acting::sign_up),
        )
        .at(
            "/members/:id/:to",
            get(members::confirm_switch).post(members::switch),
        )
        .at("/notices", get(notices::list))
        .at("/notices/new", get(notices::new).post(notices::send))
        .at("/notices/reach", get(notices::count))
        .at("/notices/:id", get(notices::delivery))
        .at("/findings", get(findings::queue))
        .at("/reports", get(reports::queue))
        .at(
            "/reports/merge",
            get(report_merge::form).post(report_merge::merge),
        )
        .at("/reports/:id", get(reports::page))
        .at("/reports/:id/decide", post(report_actions::decide))
        .at("/reports/:id/edit", post(report_actions::edit))
        .at("/reports/:id/forward", post(report_actions::forward))
        .at("/reports/:id/outcome", post(report_actions::outcome))
        .at(
            "/reports/:id/attachments/:attachment",
            get(reports::attachment),
        )
        .at(
            "/report-issues",
            get(report_issues::list).post(report_issues::compile),
        )
        .at("/report-issues/:id/document", get(report_issues::document))
        .at("/report-figures", get(report_issues::figures_page))
        .at("/points", get(points::overview))
        .at("/points/close", post(points::close_year))
        .at("/points/members/:id", get(points::member_record))
        .at(
            "/points/rules",
            get(points_rules::form).post(points_rules::save),
        )
        .at(
            "/points/entries",
            get(points_entries::screen).post(points_entries::add),
        )
        .at("/points/entries/:id/remove", post(points_entries::remove))
        .at("/points/disputes", get(points_disputes::screen))
        .at("/points/disputes/:id", post(points_disputes::decide))
        .at("/stats", get(stats::page))
        .at(
            "/settings",
            get(settings::committee).post(settings::save_committee),
        )
        .at(
            "/settings/sectors",
            get(settings::sectors).post(settings::add_sector),
        )
        .at(
            "/settings/accounts",
            get(settings::accounts).post(settings::change_role),
        )
        .at(
            "/settings/committees",
            get(committees::list).post(committees::create),
        )
        .at(
            "/settings/committees/:id",
            get(committees::page).post(committees::issue_code),
        )
        .at(
            "/settings/meeting-rules",
            get(meeting_rules::show).post(meeting_rules::save),
        )
        .at("/settings/audit", get(settings::audit_log))
        .at("/activities", get(activities::list))
        .at("/activities/calendar", get(calendar::page))
        .at(
            "/activities/new",
            get(activity_form::new).post(activity_form::create),
        )
        .at("/activities/:id", get(activities::detail))
        .at(
            "/activities/:id/edit",
            get(activity_form::edit).post(activity_form::update),
        )
        .at("/activities/:id/publish", post(activities::publish))
        .at("/activities/:id/complete", post(activities::complete))
        .at(
            "/activities/:id/cancel",
            get(activities::cancel_form).post(activities::cancel),
        )
        .at("/activities/:id/roster.xlsx", get(activities::roster_file))
        .at(
            "/activities/:id/attendance",
            get(activities::attendance).post(activities::mark),
        )
        .at("/activities/:id/sheet", get(activities::sheet))
        .at("/activities/:id/checkin", get(checkin::screen))
        .at("/activities/:id/checkin/live", get(checkin::live_part))
        .at(
            "/activities/:id/promote/:member",
            get(activities::confirm_promote).post(activities::promote),
        )
        .at(
            "/activities/:id/remove/:member",
            get(activities::confirm_remove).post(activities::remove),
        )
        .at(
            "/activities/:id/findings/:finding",
            get(findings::page).post(findings::advance),
        )
        .at(
            "/activities/:id/outcome",
            get(outcome::form).post(outcome::save),
        )
        .at(
            "/activities/:id/materials",
            get(materials::list).post(materials::upload),
        )
        .at(
            "/activities/:id/materials/:material",
            get(materials::download),
        )
        .at(
            "/activities/:id/materials/:material/remove",
            get(materials::confirm_remove).post(materials::remove),
        )
        .at("/meetings", get(meetings::list))
        .at(
            "/meetings/new",
            get(meeting_form::new).post(meeting_form::create),
        )
        .at("/meetings/:id", get(meetings::detail))
        .at(
            "/meetings/:id/edit",
            get(meeting_form::edit).post(meeting_form::update),
        )
        .at(
            "/meetings/:id/publish",
            get(meetings::confirm_publish).post(meetings::publish),
        )
        .at(
            "/meetings/:id/cancel",
            get(meetings::cancel_form).post(meetings::cancel),
        )
        .at("/meetings/:id/leave", post(meetings::record_leave))
        .at(
            "/meetings/:id/documents",
            get(materials::meeting_list).post(materials::meeting_upload),
        )
        .at(
            "/meetings/:id/documents/:document",
            get(materials::meeting_download),
        )
        .at(
            "/meetings/:id/documents/:document/remove",
            get(materials::meeting_confirm_remove).post(materials::meeting_remove),
        )
        .at("/meetings/:id/quorum", get(quorum::screen))
        .at("/meetings/:id/quorum/live", get(quorum::live_part))
        .at(
            "/meetings/:id/checkin/:session",
            get(quorum::checkin_screen),
        )
        .at(
            "/meetings/:id/checkin/:session/live",
            get(quorum::checkin_part),
        )
        .at(
            "/meetings/:id/appraisals/new",
            get(appraisals::new).post(appraisals::create),
        )
        .at("/bodies", get(bodies::list).post(bodies::create))
        .at("/bodies/:id", get(bodies::page).post(bodies::add_member))
        .at(
            "/bodies/:id/import",
            get(body_import::form).post(body_import::receive),
        )
        .at(
            "/bodies/:id/members/:member",
            get(bodies::end_form).post(bodies::end),
        )
        .at("/leave", get(leave_queue::queue))
        .at("/leave/:id", post(leave_queue::decide))
        .at("/appraisals/:id", get(appraisals::show_round))
        .at("/appraisals/:id/open", post(appraisals::open))
        .at(
            "/appraisals/:id/close",
            get(appraisals::confirm_close).post(appraisals::close),
        )
        .at("/appraisals/:id/rectifications", post(appraisals::add_item))
        .at(
            "/appraisals/:id/rectifications/:item",
            post(appraisals::follow_up),
        )
        .at("/static/:file", get(assets::serve))
        .catch_all_error(errors::from_router)
        .with(CookieJarManager::new())
        .around(security_headers)
}

#[handler]
fn index() -> Redirect {
    Redirect::see_other("/console/today")
}

/// Headers every console answer carries. Pages are never cached: they hold
/// personal data and a CSRF token; the static files set their own caching.
async fn security_headers<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let mut resp = next.call(req).await?.into_response();
    let headers = resp.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(resp)
}
