//! The command allow-list in four places, kept in step by a test rather than a comment:
//! the handlers registered in `main.rs`, the permissions `build.rs` generates, the grants in
//! `capabilities/main-window.json`, and the commands `ui/src/lib/api/index.ts` invokes.
//!
//! A handler missing from the capability is denied to the window at run time (the UI sees an
//! error, not a build failure): `case_log_warning` shipped that way once.

use std::collections::BTreeSet;

const MAIN: &str = include_str!("main.rs");
const BUILD: &str = include_str!("../build.rs");
const CAPABILITY: &str = include_str!("../capabilities/main-window.json");
const API: &str = include_str!("../../ui/src/lib/api/index.ts");

/// The text between `open` and the next `close` after it.
fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap_or_else(|| panic!("no `{open}` found")) + open.len();
    let len = text[start..].find(close).unwrap_or_else(|| panic!("no `{close}` after `{open}`"));
    &text[start..start + len]
}

fn handlers() -> BTreeSet<String> {
    between(MAIN, "generate_handler![", "]")
        .split(',')
        .filter_map(|path| path.trim().rsplit("::").next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

fn quoted(list: &str) -> impl Iterator<Item = &str> {
    list.split('"').skip(1).step_by(2)
}

fn generated() -> BTreeSet<String> {
    quoted(between(BUILD, "const COMMANDS: &[&str] = &[", "];")).map(str::to_owned).collect()
}

/// Tauri's own permissions the window holds: hearing the app's events (`queue-changed`,
/// `queue-open`), nothing more (no emitting, no windows, no shell, no file system).
const CORE_GRANTS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

fn granted() -> BTreeSet<String> {
    let json: serde_json::Value = serde_json::from_str(CAPABILITY).expect("the capability file is JSON");
    let all: Vec<&str> = json["permissions"]
        .as_array()
        .expect("the capability lists permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission is a name"))
        .collect();
    let core: Vec<&str> = all.iter().copied().filter(|p| p.starts_with("core:")).collect();
    assert_eq!(core, CORE_GRANTS, "the only Tauri permissions granted are hearing events");
    all.into_iter()
        .filter(|p| !p.starts_with("core:"))
        .map(|p| {
            p.strip_prefix("allow-").unwrap_or_else(|| panic!("{p} is not an allow- permission")).replace('-', "_")
        })
        .collect()
}

fn invoked() -> BTreeSet<String> {
    API.split("call<")
        .skip(1)
        .filter_map(|rest| rest.split_once(">('").and_then(|(_, name)| name.split_once('\'')))
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[test]
fn every_command_is_registered_generated_granted_and_called() {
    let registered = handlers();
    assert!(registered.contains("act") && registered.len() > 10, "read the handler list: {registered:?}");
    let places = [("build.rs COMMANDS", generated()), ("the capability", granted()), ("ui/src/lib/api", invoked())];
    for (place, names) in places {
        let missing: Vec<_> = registered.difference(&names).collect();
        let extra: Vec<_> = names.difference(&registered).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{place} must list exactly the handlers main.rs registers: missing {missing:?}, not registered {extra:?}"
        );
    }
}
