//! `EnvOverride::take_from_env` reads `QG_ACCESS_TOKEN` and `QG_CACHE_KEY` and takes them out
//! of the environment, so a child process (WebKit's) never inherits them. A test of its own
//! with no harness: changing the environment is only sound while the process has one thread.

use std::process::Command;

use qunguan_engine::{EnvOverride, SECRET_VARS};

fn main() {
    // SAFETY: `main` of a harness-less test: this is the only thread.
    unsafe {
        std::env::set_var("QG_HOMESERVER", "http://127.0.0.1:8008");
        std::env::set_var("QG_ACCESS_TOKEN", " syt_secret_token ");
        std::env::set_var("QG_CACHE_KEY", "ab".repeat(32));
    }
    // SAFETY: still the only thread.
    let env = unsafe { EnvOverride::take_from_env() };

    assert_eq!(env.homeserver.as_deref(), Some("http://127.0.0.1:8008"), "the homeserver is read");
    assert_eq!(env.access_token.as_ref().map(|s| s.expose()), Some("syt_secret_token"), "the token is read, trimmed");
    assert_eq!(env.cache_key.as_ref().map(|s| s.expose().len()), Some(64), "the cache key is read");
    for k in SECRET_VARS {
        assert!(std::env::var_os(k).is_none(), "{k} is gone from this process's environment");
    }
    assert!(std::env::var_os("QG_HOMESERVER").is_some(), "the homeserver (no secret) stays");
    let child = Command::new("sh").args(["-c", "env"]).output().expect("run a child process");
    let seen = String::from_utf8_lossy(&child.stdout);
    for k in SECRET_VARS {
        assert!(!seen.contains(k), "a child process does not inherit {k}: {seen}");
    }
    assert!(!seen.contains("syt_secret_token"), "nor the token's value");
    assert!(seen.contains("QG_HOMESERVER="), "the child does get the ordinary environment");
    println!("env_secrets_are_removed_once_read: ok");
}
