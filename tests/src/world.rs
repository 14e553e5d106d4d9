//! Small scenario builders over the client-server API, for tests that need an exact world
//! (the demo seed in `qunguan_testkit::demo` is the big, realistic one).

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// A signed-in test user's raw client.
#[derive(Clone)]
pub struct As {
    pub base_url: String,
    pub user_id: String,
    pub token: String,
    http: reqwest::Client,
}

impl As {
    pub fn new(base_url: &str, user_id: &str, token: &str) -> Self {
        Self { base_url: base_url.into(), user_id: user_id.into(), token: token.into(), http: reqwest::Client::new() }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Result<Value> {
        let url = format!("{}/_matrix/client/v3{path}", self.base_url);
        let r = self.http.request(method, &url).bearer_auth(&self.token).json(&body).send().await?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: HTTP {status}: {v}");
        }
        Ok(v)
    }

    /// Creates a room; `users` are power levels to set (the creator is left out: v12 creators outrank levels).
    pub async fn create_room(&self, name: &str, alias: Option<&str>, users: &[(&str, i64)]) -> Result<String> {
        let mut body = json!({
            "name": name,
            "preset": "public_chat",
            "power_level_content_override": {"users": users.iter().map(|(u, l)| (u.to_string(), json!(l))).collect::<serde_json::Map<_, _>>()},
        });
        if let Some(a) = alias {
            body["room_alias_name"] = json!(a);
        }
        let v = self.call(reqwest::Method::POST, "/createRoom", body).await?;
        v["room_id"].as_str().map(str::to_owned).context("createRoom gave no room_id")
    }

    pub async fn join(&self, room: &str) -> Result<()> {
        self.call(reqwest::Method::POST, &format!("/join/{}", urlencode(room)), json!({})).await.map(drop)
    }

    pub async fn set_direct(&self, other: &str, room: &str) -> Result<()> {
        let path = format!("/user/{}/account_data/m.direct", urlencode(&self.user_id));
        self.call(reqwest::Method::PUT, &path, json!({ other: [room] })).await.map(drop)
    }

    pub async fn logout(&self) -> Result<()> {
        self.call(reqwest::Method::POST, "/logout", json!({})).await.map(drop)
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
