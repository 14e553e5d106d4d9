//! The GUI tests' harness: the demo world they share, the app launched in its own window
//! through `tauri-driver` (one WebDriver session per test, its own data dir and UI language),
//! and the WebDriver helpers the tests in `tests/gui.rs` are written with.
//!
//! Nothing here skips: a missing piece is a failure that says what to install or set.
//! Every test saves the window as `target/e2e-screens/<test>.png` (pass or fail), plus a shot per
//! step (`<test>-<step>.png`), so a person can look at what the test saw.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use qunguan_testkit::Synapse;
use qunguan_testkit::client::Client as MatrixClient;
use qunguan_testkit::demo::{self, DemoWorld};
use serde_json::json;

use crate::RUNTIME;

/// The demo world on one Synapse for the whole binary (started from the cached fixture).
pub fn world() -> &'static (Synapse, DemoWorld) {
    static WORLD: OnceLock<(Synapse, DemoWorld)> = OnceLock::new();
    WORLD.get_or_init(|| {
        RUNTIME
            .block_on(demo::start())
            .expect("start Synapse with the demo world (run `cargo xtask setup` first to install Synapse)")
    })
}

/// One window at a time: the tests share one X display and one keyring.
static GUI: Mutex<()> = Mutex::new(());

/// The app under test: `$QG_APP_BINARY`, which must exist.
fn app_binary() -> PathBuf {
    let path = std::env::var_os("QG_APP_BINARY").map(PathBuf::from).unwrap_or_else(|| {
        panic!(
            "QG_APP_BINARY is not set: build the app with `ui/node_modules/.bin/tauri build --debug --no-bundle` \
             (from the repo root) and set QG_APP_BINARY=<repo>/target/debug/qunguan-app; `cargo xtask test` does both"
        )
    });
    assert!(path.is_file(), "QG_APP_BINARY={} does not exist: build the app first", path.display());
    path.canonicalize().expect("canonical app path")
}

/// `name` on `PATH`, or a failure that says how to install it.
fn on_path(name: &str, install: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
        .unwrap_or_else(|| panic!("{name} is not on PATH: {install}"))
}

/// `target/e2e-screens/`, beside the app binary's target dir (or `$CARGO_TARGET_DIR`).
fn screens_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    let dir = target.join("e2e-screens");
    std::fs::create_dir_all(&dir).expect("create target/e2e-screens");
    dir
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// A running `tauri-driver`; stopped with SIGTERM (which ends WebKitWebDriver and the app too).
struct Driver {
    child: Child,
    port: u16,
}

/// Where tauri-driver (and the app under it) writes its output.
fn driver_log(port: u16) -> PathBuf {
    screens_dir().join(format!("tauri-driver-{port}.log"))
}

impl Driver {
    fn start(port: u16, native: u16, home: &Path, lang: &str, env: &[(&str, &str)]) -> Driver {
        let driver = on_path("tauri-driver", "`cargo install tauri-driver --locked`");
        on_path("WebKitWebDriver", "`apt-get install webkit2gtk-driver`");
        let log = std::fs::File::create(driver_log(port)).expect("driver log");
        let mut cmd = Command::new(driver);
        cmd
            // Its own process group, so stopping it also stops WebKitWebDriver and the app.
            .process_group(0)
            .arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native.to_string())
            // What the app sees: its own data dir, a fixed UI language, no credentials from the caller.
            .env("QG_HOME", home)
            // The webview's storage (the UI's language and theme choices) stays in the temp dir too.
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("XDG_CONFIG_HOME", home.join("xdg-config"))
            .env("XDG_CACHE_HOME", home.join("xdg-cache"))
            .env("LANG", lang)
            .env_remove("LANGUAGE")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("QG_HOMESERVER")
            .env_remove("QG_ACCESS_TOKEN")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        // What this test adds (credentials from the environment, another session bus, a log filter).
        cmd.envs(env.iter().copied());
        let child = cmd.spawn().expect("spawn tauri-driver");
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Whatever of the group is still there (WebKitWebDriver, the app) goes too.
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One app window with its own data dir.
pub struct App {
    /// The WebDriver session, for what the helpers below do not cover.
    pub client: Client,
    name: String,
    step: std::cell::Cell<u32>,
    _driver: Driver,
    _home: tempfile::TempDir,
}

impl App {
    /// Launches the app with `LANG=lang` and waits for the WebDriver session.
    pub async fn launch(name: &str, lang: &str) -> Result<App> {
        Self::launch_with(name, lang, &[]).await
    }

    /// The output of the app (and tauri-driver) so far: its log lines (`QG_LOG` decides which).
    pub fn log(&self) -> String {
        std::fs::read_to_string(driver_log(self._driver.port)).unwrap_or_default()
    }

    /// [`App::launch`] with more environment for the app (`QG_LOG`, credentials, another D-Bus).
    pub async fn launch_with(name: &str, lang: &str, env: &[(&str, &str)]) -> Result<App> {
        // Two rustls crypto providers are compiled in (ring via reqwest, aws-lc-rs via fantoccini's hyper-rustls),
        // so pick one; the WebDriver link is plain HTTP on loopback anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let app = app_binary();
        let home = tempfile::Builder::new().prefix("qunguan-gui-").tempdir()?;
        let (port, native) = (free_port(), free_port());
        let driver = Driver::start(port, native, home.path(), lang, env);
        // Both tauri-driver and the WebKitWebDriver it starts must listen before a session is asked for:
        // a session request that reaches tauri-driver before WebKitWebDriver is up fails half-way.
        for p in [port, native] {
            let deadline = Instant::now() + Duration::from_secs(20);
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                ensure!(Instant::now() < deadline, "tauri-driver did not listen on port {p} within 20 s");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let caps = json!({"browserName": "wry", "tauri:options": {"application": app}});
        let serde_json::Value::Object(caps) = caps else { unreachable!() };
        let mut builder = ClientBuilder::rustls()?;
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let client = tokio::time::timeout(Duration::from_secs(60), builder.connect(&url))
            .await
            .context("no WebDriver session within 60 s (the app did not start?)")?
            .context("tauri-driver refused the session")?;
        let url = client.current_url().await?;
        ensure!(
            url.scheme() == "tauri" || url.host_str() == Some("tauri.localhost"),
            "the window loads {url}, not the bundled UI: QG_APP_BINARY is a dev build (plain `cargo build`); \
             build it with `tauri build --debug --no-bundle` (the `custom-protocol` feature)"
        );
        Ok(App { client, name: name.to_owned(), step: 0.into(), _driver: driver, _home: home })
    }

    /// Waits for `[data-testid=…]` plus an optional CSS suffix (e.g. `[data-role=admin]`).
    pub async fn wait(&self, css: &str, secs: u64, what: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(secs))
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("{what}: `{css}` did not appear within {secs} s"))
    }

    /// The first element matching `css`, now (no waiting).
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client.find(Locator::Css(css)).await.with_context(|| format!("`{css}` not found"))
    }

    /// Every element matching `css`, now (maybe none).
    pub async fn all(&self, css: &str) -> Result<Vec<Element>> {
        Ok(self.client.find_all(Locator::Css(css)).await?)
    }

    /// Waits until `js` (a function body returning a boolean) is true.
    pub async fn until(&self, js: &str, secs: u64, what: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if self.client.execute(js, vec![]).await?.as_bool() == Some(true) {
                return Ok(());
            }
            ensure!(Instant::now() < deadline, "{what}: not true within {secs} s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The rendered text (`innerText`) of the first match.
    pub async fn text(&self, css: &str) -> Result<String> {
        let el = self.find(css).await?;
        let v = self.client.execute("return arguments[0].innerText", vec![serde_json::to_value(&el)?]).await?;
        Ok(v.as_str().unwrap_or_default().trim().to_owned())
    }

    /// Saves the window as `<test>-<n>-<step>.png`.
    pub async fn shot(&self, step: &str) -> Result<()> {
        let n = self.step.get() + 1;
        self.step.set(n);
        self.save(&format!("{}-{n}-{step}", self.name)).await
    }

    /// The X screen as a PNG. (WebKitWebDriver's own screenshot command hangs under Xvfb without
    /// compositing, so the display is captured instead; the window fills it.)
    async fn save(&self, file: &str) -> Result<()> {
        let path = screens_dir().join(format!("{file}.png"));
        let import = on_path("import", "`apt-get install imagemagick`");
        // Let the webview paint what the DOM already holds before the display is captured.
        let frames = "const done = arguments[arguments.length - 1]; \
                      requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        let _ = tokio::time::timeout(Duration::from_secs(5), self.client.execute_async(frames, vec![])).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        ensure!(std::env::var_os("DISPLAY").is_some(), "no DISPLAY: run the GUI tests under xvfb-run");
        let status = Command::new("timeout").arg("20").arg(import).args(["-window", "root"]).arg(&path).status()?;
        ensure!(status.success(), "`import -window root {}` failed: {status}", path.display());
        Ok(())
    }

    /// Fills in the sign-in card and submits it with Enter.
    pub async fn sign_in(&self, homeserver: &str, user: &str, password: &str) -> Result<()> {
        let hs = self.wait("[data-testid=signin-homeserver]", 30, "the sign-in card").await?;
        hs.clear().await?;
        hs.send_keys(homeserver).await?;
        let u = self.find("[data-testid=signin-user]").await?;
        u.clear().await?;
        u.send_keys(user).await?;
        let p = self.find("[data-testid=signin-password]").await?;
        p.send_keys(password).await?;
        // Enter in the form submits (the Sign-in button is the other way).
        p.send_keys(&Key::Enter).await?;
        Ok(())
    }
}

/// Runs one GUI test: launches the app, runs `body`, always saves `target/e2e-screens/<name>.png`.
pub fn gui_test(name: &str, lang: &str, body: impl AsyncFnOnce(&App) -> Result<()>) {
    gui_test_with(name, lang, &[], body)
}

/// [`gui_test`] with more environment for the app.
pub fn gui_test_with(name: &str, lang: &str, env: &[(&str, &str)], body: impl AsyncFnOnce(&App) -> Result<()>) {
    let _one_window = GUI.lock().unwrap_or_else(|e| e.into_inner());
    let result: Result<()> = RUNTIME.block_on(async {
        let app = App::launch_with(name, lang, env).await?;
        // A WebDriver call can block forever (e.g. on a dead page): bound the whole test.
        let outcome = match tokio::time::timeout(Duration::from_secs(300), body(&app)).await {
            Ok(r) => r,
            Err(_) => Err(anyhow::anyhow!("the test did not finish within 300 s")),
        };
        let saved = app.save(name).await;
        let _ = app.client.clone().close().await;
        outcome?;
        saved
    });
    if let Err(e) = result {
        panic!("{name}: {e:#}\n(screenshots and the tauri-driver log are in {})", screens_dir().display());
    }
}

/// `assert_eq!` that returns an error instead of panicking, so the test still saves its screenshot.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr $(,)?) => {
        $crate::check_eq!($left, $right, "values differ")
    };
    ($left:expr, $right:expr, $($msg:tt)+) => {
        match (&$left, &$right) {
            (left, right) => {
                anyhow::ensure!(left == right, "{}\n  left: {:?}\n right: {:?}", format!($($msg)+), left, right)
            }
        }
    };
}

/// `data-<attr>` of every element matching `css`.
pub async fn attrs(app: &App, css: &str, attr: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for el in app.all(css).await? {
        out.push(el.attr(attr).await?.with_context(|| format!("`{css}` without {attr}"))?);
    }
    Ok(out)
}

/// `data-<attr>` of the first element matching `css`.
pub async fn attr(app: &App, css: &str, attr: &str) -> Result<String> {
    app.find(css).await?.attr(attr).await?.with_context(|| format!("`{css}` without {attr}"))
}

/// Presses and releases one key in the focused window (as a person would, not into an element).
pub async fn press(app: &App, key: char) -> Result<()> {
    let keys =
        KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    app.client.perform_actions(keys).await?;
    app.client.release_actions().await?;
    Ok(())
}

/// The `n`-th plain member of 技术交流群 (joined, no power level of their own). Each GUI test takes its own
/// `n`, so no test acts on another's member.
pub async fn plain_member<'w>(synapse: &Synapse, world: &'w DemoWorld, n: usize) -> Result<&'w demo::DemoUser> {
    let tech = world.group("tech");
    let owner = MatrixClient::new(&synapse.base_url, &world.owner.access_token);
    let joined: Vec<String> = owner.joined_members(&tech.room_id).await?.into_iter().map(|(u, _)| u).collect();
    world
        .members
        .iter()
        .filter(|m| joined.contains(&m.user_id) && !tech.power.contains_key(&m.user_id))
        .nth(n)
        .with_context(|| format!("plain member #{n} in tech"))
}

/// Signs in through the form as the owner and opens 技术交流群 on its members.
pub async fn open_tech_as_owner(app: &App, synapse: &Synapse, world: &DemoWorld) -> Result<()> {
    let tech = world.group("tech");
    app.sign_in(&synapse.base_url, &world.owner.user_id, &world.owner.password).await?;
    app.wait("[data-testid=group-row]", 90, "the groups list after signing in").await?;
    app.find(&format!("[data-testid=sidebar-group][data-group-id='{}']", tech.room_id)).await?.click().await?;
    app.wait("[data-testid=member-row]", 90, "the members of 技术交流群").await?;
    Ok(())
}

/// Chooses `value` in a `<select>` the way a user does (the change event included).
pub async fn pick(app: &App, css: &str, value: &str) -> Result<()> {
    let js = format!(
        "const s = document.querySelector({}); s.value = {}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value",
        serde_json::to_string(css)?,
        serde_json::to_string(value)?
    );
    let v = app.client.execute(&js, vec![]).await?;
    ensure!(v.as_str() == Some(value), "{css}: could not pick {value:?} (now {v})");
    Ok(())
}
