//! A raw client-server API helper (reqwest + serde_json) for **seeding and checking** test
//! worlds. It is deliberately not the product's Matrix adapter: tests that build their world with
//! the code under test would prove nothing. It retries 429s (honouring `retry_after_ms`) so
//! seeding survives a rate-limited server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Percent-encodes one path segment (room IDs, aliases, user IDs, event IDs).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An error answer from the homeserver, kept whole so tests can assert on it.
#[derive(Debug, thiserror::Error)]
#[error("{method} {path}: HTTP {status}: {body}")]
pub struct ApiError {
    /// The request's method.
    pub method: Method,
    /// The request's path under `/_matrix/client/v3`.
    pub path: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer's JSON (`{errcode, error}` from Synapse).
    pub body: Value,
}

impl ApiError {
    /// The Matrix `errcode` (`M_FORBIDDEN`, …), if any.
    pub fn errcode(&self) -> Option<&str> {
        self.body["errcode"].as_str()
    }
}

/// How [`Client::create_room`] makes a room. `Default` is a public v12 room with no name.
#[derive(Clone, Debug, Default)]
pub struct RoomSpec {
    /// The room name, if any.
    pub name: Option<String>,
    /// The room topic, if any.
    pub topic: Option<String>,
    /// Local part of the canonical alias (`tech` → `#tech:server`).
    pub alias: Option<String>,
    /// `private_chat` for invite-only; defaults to `public_chat` (anyone may join).
    pub preset: Option<String>,
    /// Power levels to set; never the creator (v12 creators outrank levels and Synapse refuses them).
    pub power: Vec<(String, i64)>,
    /// Other `power_level_content_override` keys (`events_default`, `kick`, …).
    pub power_override: Map<String, Value>,
    /// Users invited at creation.
    pub invite: Vec<String>,
    /// Create it as a direct chat (`is_direct` on the invites).
    pub is_direct: bool,
    /// Extra `initial_state` events: `(type, state_key, content)`.
    pub initial_state: Vec<(String, String, Value)>,
}

/// One signed-in user's raw client.
#[derive(Clone, Debug)]
pub struct Client {
    /// The homeserver's base URL.
    pub base_url: String,
    /// The user's access token.
    pub token: String,
    http: reqwest::Client,
}

static TXN: AtomicU64 = AtomicU64::new(0);

/// A transaction ID unique in this process and across runs of it.
pub fn txn_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("qgkit-{}-{nanos}-{}", std::process::id(), TXN.fetch_add(1, Ordering::Relaxed))
}

impl Client {
    /// A client for the user whose token this is.
    pub fn new(base_url: &str, token: &str) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("reqwest client with static settings");
        Self { base_url: base_url.trim_end_matches('/').to_owned(), token: token.to_owned(), http }
    }

    /// Same server and connection pool, another user.
    pub fn with_token(&self, token: &str) -> Self {
        Self { base_url: self.base_url.clone(), token: token.to_owned(), http: self.http.clone() }
    }

    /// Calls `/_matrix/client/v3{path}`; 429s are waited out (up to 20 times).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        self.raw(method, &format!("/_matrix/client/v3{path}"), body).await
    }

    /// Calls any path on the server (admin API: `/_synapse/admin/...`).
    pub async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base_url);
        for _ in 0..20 {
            let mut req = self.http.request(method.clone(), &url).bearer_auth(&self.token);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let r = req.send().await.with_context(|| format!("{method} {path}"))?;
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            if status == 429 {
                let ms = v["retry_after_ms"].as_u64().unwrap_or(500).min(10_000);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(ApiError { method, path: path.to_owned(), status, body: v }.into());
            }
            return Ok(v);
        }
        bail!("{method} {path}: still rate limited after 20 tries")
    }

    /// The user ID the token belongs to.
    pub async fn whoami(&self) -> Result<String> {
        let v = self.call(Method::GET, "/account/whoami", None).await?;
        Ok(v["user_id"].as_str().context("whoami: no user_id")?.to_owned())
    }

    /// Creates a room as `spec` says; returns its room ID.
    pub async fn create_room(&self, spec: &RoomSpec) -> Result<String> {
        let mut pl = spec.power_override.clone();
        if !spec.power.is_empty() {
            pl.insert("users".into(), spec.power.iter().map(|(u, l)| (u.clone(), json!(l))).collect());
        }
        let mut body = json!({
            "preset": spec.preset.as_deref().unwrap_or("public_chat"),
            "invite": spec.invite,
            "is_direct": spec.is_direct,
            "initial_state": spec.initial_state.iter()
                .map(|(t, k, c)| json!({"type": t, "state_key": k, "content": c}))
                .collect::<Vec<_>>(),
        });
        if !pl.is_empty() {
            body["power_level_content_override"] = Value::Object(pl);
        }
        if let Some(n) = &spec.name {
            body["name"] = json!(n);
        }
        if let Some(t) = &spec.topic {
            body["topic"] = json!(t);
        }
        if let Some(a) = &spec.alias {
            body["room_alias_name"] = json!(a);
        }
        let v = self.call(Method::POST, "/createRoom", Some(body)).await?;
        Ok(v["room_id"].as_str().context("createRoom: no room_id")?.to_owned())
    }

    /// Joins a room by ID or alias; returns the room ID.
    pub async fn join(&self, room: &str) -> Result<String> {
        let v = self.call(Method::POST, &format!("/join/{}", encode(room)), Some(json!({}))).await?;
        Ok(v["room_id"].as_str().context("join: no room_id")?.to_owned())
    }

    /// Invites `user_id` to `room`.
    pub async fn invite(&self, room: &str, user_id: &str) -> Result<()> {
        let path = format!("/rooms/{}/invite", encode(room));
        self.call(Method::POST, &path, Some(json!({"user_id": user_id}))).await.map(drop)
    }

    /// Leaves `room`.
    pub async fn leave(&self, room: &str) -> Result<()> {
        self.call(Method::POST, &format!("/rooms/{}/leave", encode(room)), Some(json!({}))).await.map(drop)
    }

    /// Kicks `user_id` from `room`.
    pub async fn kick(&self, room: &str, user_id: &str, reason: &str) -> Result<()> {
        let path = format!("/rooms/{}/kick", encode(room));
        self.call(Method::POST, &path, Some(json!({"user_id": user_id, "reason": reason}))).await.map(drop)
    }

    /// Bans `user_id` from `room`.
    pub async fn ban(&self, room: &str, user_id: &str, reason: &str) -> Result<()> {
        let path = format!("/rooms/{}/ban", encode(room));
        self.call(Method::POST, &path, Some(json!({"user_id": user_id, "reason": reason}))).await.map(drop)
    }

    /// Sends any message event; returns its event ID.
    pub async fn send_event(&self, room: &str, event_type: &str, content: Value) -> Result<String> {
        let path = format!("/rooms/{}/send/{}/{}", encode(room), encode(event_type), txn_id());
        let v = self.call(Method::PUT, &path, Some(content)).await?;
        Ok(v["event_id"].as_str().context("send: no event_id")?.to_owned())
    }

    /// An `m.text` message.
    pub async fn send_text(&self, room: &str, body: &str) -> Result<String> {
        self.send_event(room, "m.room.message", json!({"msgtype": "m.text", "body": body})).await
    }

    /// Redacts an event; returns the redaction's event ID.
    pub async fn redact(&self, room: &str, event_id: &str, reason: &str) -> Result<String> {
        let path = format!("/rooms/{}/redact/{}/{}", encode(room), encode(event_id), txn_id());
        let v = self.call(Method::PUT, &path, Some(json!({"reason": reason}))).await?;
        Ok(v["event_id"].as_str().context("redact: no event_id")?.to_owned())
    }

    /// Writes one state event; returns its event ID.
    pub async fn set_state(&self, room: &str, event_type: &str, state_key: &str, content: Value) -> Result<String> {
        let path = format!("/rooms/{}/state/{}/{}", encode(room), encode(event_type), encode(state_key));
        let v = self.call(Method::PUT, &path, Some(content)).await?;
        Ok(v["event_id"].as_str().context("state: no event_id")?.to_owned())
    }

    /// A state event's content; `None` if the room has no such event.
    pub async fn get_state(&self, room: &str, event_type: &str, state_key: &str) -> Result<Option<Value>> {
        let path = format!("/rooms/{}/state/{}/{}", encode(room), encode(event_type), encode(state_key));
        match self.call(Method::GET, &path, None).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.downcast_ref::<ApiError>().is_some_and(|a| a.status == 404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The whole current state of a room.
    pub async fn room_state(&self, room: &str) -> Result<Vec<Value>> {
        let v = self.call(Method::GET, &format!("/rooms/{}/state", encode(room)), None).await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// The room's `m.room.power_levels` content.
    pub async fn power_levels(&self, room: &str) -> Result<Value> {
        self.get_state(room, "m.room.power_levels", "").await?.context("room has no power levels")
    }

    /// Read-modify-write of `users` in the power levels: sets each listed level (`None` removes
    /// the entry, back to `users_default`).
    pub async fn set_power_levels(&self, room: &str, users: &[(&str, Option<i64>)]) -> Result<String> {
        let mut pl = self.power_levels(room).await?;
        let map = pl["users"].as_object_mut().map(std::mem::take).unwrap_or_default();
        let mut map = map;
        for (u, level) in users {
            match level {
                Some(l) => map.insert((*u).to_owned(), json!(l)),
                None => map.remove(*u),
            };
        }
        pl["users"] = Value::Object(map);
        self.set_state(room, "m.room.power_levels", "", pl).await
    }

    /// Joined members: `(user_id, display_name)`.
    pub async fn joined_members(&self, room: &str) -> Result<Vec<(String, Option<String>)>> {
        let v = self.call(Method::GET, &format!("/rooms/{}/joined_members", encode(room)), None).await?;
        let joined = v["joined"].as_object().context("joined_members: no joined")?;
        Ok(joined.iter().map(|(u, p)| (u.clone(), p["display_name"].as_str().map(str::to_owned))).collect())
    }

    /// Up to `limit` events, newest first (`dir=b`), of one page of `/messages`.
    pub async fn messages(&self, room: &str, limit: u32) -> Result<Vec<Value>> {
        let path = format!("/rooms/{}/messages?dir=b&limit={limit}", encode(room));
        let v = self.call(Method::GET, &path, None).await?;
        Ok(v["chunk"].as_array().cloned().unwrap_or_default())
    }

    /// Every `m.room.message` in the room, oldest first (pages through `/messages`).
    pub async fn all_messages(&self, room: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut from: Option<String> = None;
        loop {
            let mut path = format!("/rooms/{}/messages?dir=b&limit=1000", encode(room));
            if let Some(f) = &from {
                path.push_str(&format!("&from={}", encode(f)));
            }
            let v = self.call(Method::GET, &path, None).await?;
            let chunk = v["chunk"].as_array().cloned().unwrap_or_default();
            out.extend(chunk.iter().filter(|e| e["type"] == "m.room.message").cloned());
            match v["end"].as_str() {
                Some(end) if !chunk.is_empty() => from = Some(end.to_owned()),
                _ => break,
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The room ID an alias points to.
    pub async fn resolve_alias(&self, alias: &str) -> Result<String> {
        let v = self.call(Method::GET, &format!("/directory/room/{}", encode(alias)), None).await?;
        Ok(v["room_id"].as_str().context("alias: no room_id")?.to_owned())
    }

    /// The rooms this user has joined.
    pub async fn joined_rooms(&self) -> Result<Vec<String>> {
        let v = self.call(Method::GET, "/joined_rooms", None).await?;
        Ok(v["joined_rooms"].as_array().into_iter().flatten().filter_map(|r| r.as_str().map(str::to_owned)).collect())
    }

    /// Sets the user's global display name.
    pub async fn set_display_name(&self, user_id: &str, name: &str) -> Result<()> {
        let path = format!("/profile/{}/displayname", encode(user_id));
        self.call(Method::PUT, &path, Some(json!({"displayname": name}))).await.map(drop)
    }

    /// Adds `room` to `m.direct` for `other` in `user_id`'s account data.
    pub async fn set_direct(&self, user_id: &str, other: &str, room: &str) -> Result<()> {
        let path = format!("/user/{}/account_data/m.direct", encode(user_id));
        let mut current = match self.call(Method::GET, &path, None).await {
            Ok(v) => v,
            Err(e) if e.downcast_ref::<ApiError>().is_some_and(|a| a.status == 404) => json!({}),
            Err(e) => return Err(e),
        };
        let list = current.as_object_mut().context("m.direct is not an object")?.entry(other).or_insert(json!([]));
        if let Some(a) = list.as_array_mut()
            && !a.iter().any(|r| r == room)
        {
            a.push(json!(room));
        }
        self.call(Method::PUT, &path, Some(current)).await.map(drop)
    }

    /// Reports an event to the server admins (`POST /rooms/{room}/report/{event}`).
    pub async fn report_event(&self, room: &str, event_id: &str, reason: &str) -> Result<()> {
        let path = format!("/rooms/{}/report/{}", encode(room), encode(event_id));
        self.call(Method::POST, &path, Some(json!({"reason": reason, "score": -100}))).await.map(drop)
    }
}
