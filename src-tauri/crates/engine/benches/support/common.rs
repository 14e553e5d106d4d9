//! What the ingest and search benches both need: the arguments, the clock's units, the load,
//! a random cache key. Included with `#[path]`.
#![allow(dead_code)]

use std::time::Duration;

use qunguan_core::Secret;

/// The number after `name` among the arguments, else `default`.
pub fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The load average (1, 5, 15 minutes): other work on the box moves every figure.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A random 256-bit cache key, as hex.
pub fn random_key() -> Secret {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("random key");
    Secret::new(b.iter().map(|x| format!("{x:02x}")).collect::<String>())
}
