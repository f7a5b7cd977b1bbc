//! The API's routes as the operations declare them, matched against a
//! request's path before the router sees it: for the `Allow` header every 405
//! must carry (RFC 9110, 15.5.6; poem's router answers 405 without saying
//! which methods it has) and for the body limit of the route.

use std::sync::LazyLock;

use poem::http::Method;
use poem_openapi::OpenApi;

use crate::config::LimitsConfig;

/// One path of the API: its template (`/members/{id}`), its segments
/// (`None` for a parameter) and its methods.
struct Route {
    template: String,
    segments: Vec<Option<String>>,
    methods: Vec<Method>,
}

static API: LazyLock<Vec<Route>> = LazyLock::new(|| {
    let mut routes: Vec<Route> = Vec::new();
    for path in <super::Apis as OpenApi>::meta()
        .into_iter()
        .flat_map(|api| api.paths)
    {
        let segments: Vec<Option<String>> = split(&path.path)
            .map(|s| (!s.starts_with(['{', ':'])).then(|| s.to_owned()))
            .collect();
        let methods = path.operations.into_iter().map(|op| op.method);
        match routes.iter_mut().find(|r| r.segments == segments) {
            Some(known) => known.methods.extend(methods),
            None => routes.push(Route {
                template: path.path.to_owned(),
                segments,
                methods: methods.collect(),
            }),
        }
    }
    routes
});

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// The route the router will match for `path` (under `/api/v1`): a literal
/// segment wins over a parameter, from the left, as in poem's router.
fn matched(path: &str) -> Option<&'static Route> {
    let asked: Vec<&str> = split(path.strip_prefix("/api/v1")?).collect();
    API.iter()
        .filter(|r| {
            r.segments.len() == asked.len()
                && r.segments
                    .iter()
                    .zip(&asked)
                    .all(|(s, a)| s.as_deref().is_none_or(|s| s == *a))
        })
        .max_by_key(|r| r.segments.iter().map(Option::is_some).collect::<Vec<_>>())
}

/// The largest body the route at `path` takes: file uploads have their own
/// limits, every other request the general one.
pub fn body_limit(path: &str, limits: &LimitsConfig) -> usize {
    match matched(path).map(|r| r.template.as_str()) {
        Some("/members/import" | "/bodies/{id}/members/import") => limits.max_import_bytes,
        Some(
            "/activities/{id}/materials" | "/meetings/{id}/documents" | "/reports/{id}/attachments",
        ) => limits.max_material_bytes,
        _ => limits.max_body_bytes,
    }
}

/// The `Allow` value for a 405 at `path`: the methods of the matched route,
/// with HEAD wherever GET is, since poem answers HEAD with GET.
pub fn allowed_methods(path: &str) -> Option<String> {
    let mut methods = if path.starts_with("/api/v1") {
        matched(path)?.methods.clone()
    } else {
        // Outside the API only the read-only operational endpoints
        // (health, readiness, metrics, the docs) can answer 405.
        vec![Method::GET]
    };
    if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
        methods.push(Method::HEAD);
    }
    const ORDER: [Method; 6] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    methods.sort_by_key(|m| ORDER.iter().position(|o| o == m).unwrap_or(ORDER.len()));
    methods.dedup();
    Some(
        methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_of_the_matched_path() {
        let allow = |p: &str| allowed_methods(p);
        assert_eq!(allow("/api/v1/members").as_deref(), Some("GET, HEAD, POST"));
        assert_eq!(
            allow("/api/v1/members/0190c6a4-0000-7000-8000-000000000000").as_deref(),
            Some("GET, HEAD, PATCH")
        );
        // A literal segment is a route of its own, not an id.
        assert_eq!(allow("/api/v1/members/import").as_deref(), Some("POST"));
        assert_eq!(allow("/api/v1/nowhere/at/all"), None);
        assert_eq!(allow("/healthz").as_deref(), Some("GET, HEAD"));
    }

    #[test]
    fn uploads_have_their_own_body_limits() {
        let limits = LimitsConfig {
            max_body_bytes: 1,
            max_import_bytes: 2,
            max_material_bytes: 3,
            ..crate::config::Config::default().limits
        };
        let limit = |p: &str| body_limit(p, &limits);
        assert_eq!(limit("/api/v1/members/import"), 2);
        let id = "0190c6a4-0000-7000-8000-000000000000";
        assert_eq!(limit(&format!("/api/v1/activities/{id}/materials")), 3);
        assert_eq!(limit(&format!("/api/v1/bodies/{id}/members/import")), 2);
        assert_eq!(limit(&format!("/api/v1/meetings/{id}/documents")), 3);
        assert_eq!(limit(&format!("/api/v1/reports/{id}/attachments")), 3);
        // Only the route itself: neighbours and look-alikes keep the general limit.
        assert_eq!(limit(&format!("/api/v1/activities/{id}/materials/x")), 1);
        assert_eq!(limit("/api/v1/sectors/import"), 1);
        assert_eq!(limit("/members/import"), 1);
        assert_eq!(limit(&format!("/api/v1/activities/{id}")), 1);
    }
}
