//! Dependencies point one way: HTTP (app.rs, api/) → domain → db. No module
//! below the HTTP layer may name the composition root or the handlers; this
//! test reads the sources so that CI fails the moment one does.

use std::path::{Path, PathBuf};

/// Files allowed to see `AppState` and the API: the HTTP layer and the binary.
fn is_http_layer(relative: &Path) -> bool {
    relative.starts_with("api")
        || relative.starts_with("console")
        || [
            Path::new("app.rs"),
            Path::new("main.rs"),
            Path::new("lib.rs"),
        ]
        .contains(&relative)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// `crate::app`, `crate::api` or `AppState` named outside comments.
fn reaches_up(source: &str) -> Option<(usize, String)> {
    source.lines().enumerate().find_map(|(n, line)| {
        let code = line.split("//").next().unwrap_or_default();
        let up = ["crate::app", "crate::api", "AppState", "super::super::app"]
            .iter()
            .any(|needle| code.contains(needle));
        up.then(|| (n + 1, line.trim().to_owned()))
    })
}

#[test]
fn nothing_below_the_http_layer_imports_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found only {} sources", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&src).expect("under src");
            if is_http_layer(relative) {
                return None;
            }
            let source = std::fs::read_to_string(path).expect("read source");
            reaches_up(&source).map(|(line, text)| format!("{}:{line}: {text}", relative.display()))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "lower layers must get narrow values, not the HTTP layer's state:\n{}",
        offenders.join("\n")
    );
}

/// The areas under domain/ a file may use, by the area it is in. Areas
/// depend one way: committees ← audit ← notifications ← accounts, activities,
/// meetings.
fn allowed(area: &str) -> &'static [&'static str] {
    const SHARED: &[&str] = &[
        "Ctx",
        "context",
        "idempotency",
        "lanes",
        "pages",
        "roster_files",
        "rotating_codes",
        "uploads",
    ];
    match area {
        "audit" => &["Ctx", "context", "idempotency", "pages", "committees"],
        // The check-in codes show their expiry in the committee's time zone.
        "rotating_codes" => &["Ctx", "context", "committees"],
        // Calendar feeds read activities' and meetings' rows (db), not their areas.
        "calendar" => &["Ctx", "context", "pages", "committees"],
        "notifications" => &[
            "Ctx",
            "context",
            "idempotency",
            "pages",
            "committees",
            "audit",
        ],
        "accounts" | "activities" | "meetings" | "reports" | "points" => &[
            "Ctx",
            "context",
            "idempotency",
            "lanes",
            "pages",
            "roster_files",
            "rotating_codes",
            "uploads",
            "committees",
            "audit",
            "notifications",
        ],
        _ => SHARED,
    }
}

/// The areas `crate::domain::…` paths in `source` name (`{a, b::c}` groups included).
fn areas_used(source: &str) -> Vec<String> {
    const PREFIX: &str = "crate::domain::";
    let mut used = Vec::new();
    for (at, _) in source.match_indices(PREFIX) {
        let rest = &source[at + PREFIX.len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .collect(),
            None => vec![rest],
        };
        for name in names {
            let ident: String = name
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !ident.is_empty() {
                used.push(ident);
            }
        }
    }
    used
}

#[test]
fn domain_areas_depend_one_way() {
    let domain = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    rust_files(&domain, &mut files);
    let mut wrong = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&domain).expect("under domain");
        let area = match relative.components().count() {
            1 => relative
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default(),
            _ => relative
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or_default(),
        };
        let source = std::fs::read_to_string(path).expect("read source");
        for used in areas_used(&source) {
            if used != area && !allowed(area).contains(&used.as_str()) {
                wrong.push(format!("{} ({area}) uses {used}", relative.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "domain areas reach the wrong way:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_area_check_reads_groups() {
    assert_eq!(
        areas_used(
            "use crate::domain::{Ctx, notifications::devices};\nuse crate::domain::accounts::members;"
        ),
        ["Ctx", "notifications", "accounts"]
    );
}

#[test]
fn the_check_sees_an_import() {
    assert!(reaches_up("use crate::app::AppState;").is_some());
    assert!(reaches_up("fn f(s: &crate::api::X) {}").is_some());
    assert!(reaches_up("// mentions crate::app in a comment").is_none());
    assert!(reaches_up("use crate::db::Db;").is_none());
}
