//! `demo`, `synapse` and `fixture`: the seeded homeserver for people (the tests use the same
//! [`qunguan_testkit::demo`] world).

use std::time::Instant;

use anyhow::{Context, Result, bail};
use qunguan_testkit::demo::{self, DemoWorld};
use qunguan_testkit::{Synapse, SynapseOptions};

use crate::util;

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn print_world(s: &Synapse, w: &DemoWorld) {
    println!("\nSynapse: {}  (server name {})", s.base_url, s.server_name);
    println!("  owner      {}  password {}", w.owner.user_id, w.owner.password);
    for a in &w.admins {
        println!("  admin      {}  password {}", a.user_id, a.password);
    }
    println!("  moderator  {}  password {}", w.moderator.user_id, w.moderator.password);
    println!(
        "  members    {} … ({} of them)  password {}",
        w.members[0].user_id,
        w.members.len(),
        demo::MEMBER_PASSWORD
    );
    for g in &w.groups {
        println!("  group      {:<18} {:<22} {:>5} members, owner is {}", g.name, g.alias, g.members, g.owner_role);
    }
    println!("\nFor qg:  export QG_HOMESERVER={} QG_ACCESS_TOKEN={}", s.base_url, w.owner.access_token);
}

/// `cargo xtask demo`
pub fn demo() -> Result<()> {
    crate::setup::setup()?;
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!(
            "no display (DISPLAY / WAYLAND_DISPLAY unset): run it in a desktop session, or `xvfb-run -a cargo xtask demo`"
        );
    }
    let app = util::build_app(&[])?;
    let rt = runtime()?;
    rt.block_on(async {
        let t = Instant::now();
        let (synapse, world) = demo::start().await?;
        eprintln!("demo homeserver ready in {:.1?}", t.elapsed());
        print_world(&synapse, &world);
        let home = tempfile::Builder::new().prefix("qunguan-demo-home-").tempdir()?;
        println!(
            "\nLaunching {} signed in as {} (data in {})",
            app.display(),
            world.owner.user_id,
            home.path().display()
        );
        println!("Close the window (or press Ctrl-C) to stop the demo.");
        let mut child = tokio::process::Command::new(&app)
            .env("QG_HOME", home.path())
            .env("QG_HOMESERVER", &synapse.base_url)
            .env("QG_ACCESS_TOKEN", &world.owner.access_token)
            // The demo's own store key, so it needs no unlocked keyring (throw-away data anyway).
            .env("QG_CACHE_KEY", random_hex_key()?)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("launch {}", app.display()))?;
        let status = tokio::select! {
            s = child.wait() => Some(s?),
            _ = tokio::signal::ctrl_c() => None,
        };
        if status.is_none() {
            let _ = child.kill().await;
        }
        synapse.stop().await?;
        eprintln!("demo homeserver stopped");
        match status {
            Some(s) if !s.success() => bail!("the app exited with {s}"),
            _ => Ok(()),
        }
    })
}

/// `cargo xtask synapse`
pub fn synapse(empty: bool, rate_limited: bool) -> Result<()> {
    qunguan_testkit::synapse_python().context("Synapse is needed")?;
    let rt = runtime()?;
    rt.block_on(async {
        let t = Instant::now();
        let s = if empty {
            let s = Synapse::start_with(SynapseOptions { rate_limited, ..Default::default() }).await?;
            println!("\nEmpty Synapse: {} (server name {})", s.base_url, s.server_name);
            s
        } else {
            let (s, w) = demo::start_with(rate_limited).await?;
            print_world(&s, &w);
            s
        };
        eprintln!("ready in {:.1?}; data in {} — Ctrl-C stops it", t.elapsed(), s.data_dir().display());
        tokio::signal::ctrl_c().await?;
        s.stop().await?;
        eprintln!("stopped");
        Ok(())
    })
}

/// `cargo xtask fixture`
pub fn fixture(rebuild: bool) -> Result<()> {
    qunguan_testkit::synapse_python().context("Synapse is needed")?;
    let dir = demo::fixtures_dir().join(demo::version_key());
    if rebuild && dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let rt = runtime()?;
    rt.block_on(async {
        let t = Instant::now();
        let (f, w) = demo::fixture().await?;
        println!("fixture {} ready in {:.1?}", f.dir.display(), t.elapsed());
        let t = Instant::now();
        let (s, _) = demo::start().await?;
        println!(
            "started a copy in {:.2?}: {} users, {} groups, {} messages",
            t.elapsed(),
            w.members.len() + 4,
            w.groups.len(),
            w.total_messages
        );
        s.stop().await
    })
}

/// 32 random bytes as 64 hex characters (a store key for throw-away demo data).
fn random_hex_key() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
