//! The methods a path answers, for the `Allow` header every 405 must carry
//! (RFC 9110, 15.5.6). poem's router answers 405 without saying which
//! methods it has, so they are read from the operations' own metadata.

use std::sync::LazyLock;

use poem::http::Method;
use poem_openapi::OpenApi;

/// One path of the API: its segments (`None` for a parameter) and methods.
struct PathMethods {
    segments: Vec<Option<String>>,
    methods: Vec<Method>,
}

static API: LazyLock<Vec<PathMethods>> = LazyLock::new(|| {
    let mut paths: Vec<PathMethods> = Vec::new();
    for path in <super::Apis as OpenApi>::meta()
        .into_iter()
        .flat_map(|api| api.paths)
    {
        let segments: Vec<Option<String>> = split(&path.path)
            .map(|s| (!s.starts_with(['{', ':'])).then(|| s.to_owned()))
            .collect();
        let methods = path.operations.into_iter().map(|op| op.method);
        match paths.iter_mut().find(|p| p.segments == segments) {
            Some(known) => known.methods.extend(methods),
            None => paths.push(PathMethods {
                segments,
                methods: methods.collect(),
            }),
        }
    }
    paths
});

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// The `Allow` value for a 405 at `path`: the methods of the route the
/// router matched (a literal segment wins over a parameter, as in poem's
/// router), with HEAD wherever GET is, since poem answers HEAD with GET.
pub fn allowed_methods(path: &str) -> Option<String> {
    let mut methods = match path.strip_prefix("/api/v1") {
        Some(rest) => {
            let asked: Vec<&str> = split(rest).collect();
            API.iter()
                .filter(|p| {
                    p.segments.len() == asked.len()
                        && p.segments
                            .iter()
                            .zip(&asked)
                            .all(|(s, a)| s.as_deref().is_none_or(|s| s == *a))
                })
                // Literal segments first, from the left: the most specific route.
                .max_by_key(|p| p.segments.iter().map(Option::is_some).collect::<Vec<_>>())?
                .methods
                .clone()
        }
        // Outside the API only the read-only operational endpoints
        // (health, readiness, metrics, the docs) can answer 405.
        None => vec![Method::GET],
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
}
