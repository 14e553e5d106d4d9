//! A group member driven by matrix-nio, a Matrix client nobody here wrote: the messages,
//! replies and reactions the console must understand are sent the way a real client sends them.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::oracles::run_oracle;

/// Logs in, then sends each step in order; prints the event IDs as a JSON array.
const SCRIPT: &str = r#"
import asyncio, json, sys
from nio import AsyncClient, LoginResponse, RoomSendResponse

async def main():
    req = json.load(sys.stdin)
    client = AsyncClient(req["homeserver"], req["user"])
    login = await client.login(req["password"])
    if not isinstance(login, LoginResponse):
        raise SystemExit(f"login failed: {login}")
    await client.sync(timeout=0)
    sent = []
    for step in req["steps"]:
        kind, to = step["do"], step.get("to")
        if kind == "send":
            content = {"msgtype": "m.text", "body": step["body"]}
        elif kind == "reply":
            # As older clients do: the quoted original first, then the reply.
            content = {"msgtype": "m.text", "body": step["body"],
                       "m.relates_to": {"m.in_reply_to": {"event_id": to}}}
        elif kind == "edit":
            # As clients edit: the fallback body with `* `, the new content in m.new_content.
            content = {"msgtype": "m.text", "body": "* " + step["body"],
                       "m.new_content": {"msgtype": "m.text", "body": step["body"]},
                       "m.relates_to": {"rel_type": "m.replace", "event_id": to}}
        elif kind == "react":
            content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": to, "key": step["key"]}}
        else:
            raise SystemExit(f"unknown step {kind}")
        event_type = "m.reaction" if kind == "react" else "m.room.message"
        r = await client.room_send(step["room"], event_type, content, ignore_unverified_devices=True)
        if not isinstance(r, RoomSendResponse):
            raise SystemExit(f"{kind} failed: {r}")
        sent.append(r.event_id)
    await client.logout()
    await client.close()
    print(json.dumps(sent))

asyncio.run(main())
"#;

/// One thing a member does in a room.
#[derive(Debug, Clone)]
pub enum Step {
    /// Posts a text message.
    Send {
        /// The room.
        room: String,
        /// The text.
        body: String,
    },
    /// Replies to a message (`m.in_reply_to`).
    Reply {
        /// The room.
        room: String,
        /// The message replied to.
        to: String,
        /// The reply's body, as the client would send it (fallback quote included, if any).
        body: String,
    },
    /// Edits one of my messages (`m.replace`).
    Edit {
        /// The room.
        room: String,
        /// The message edited.
        to: String,
        /// The new text.
        body: String,
    },
    /// Reacts to a message.
    React {
        /// The room.
        room: String,
        /// The message reacted to.
        to: String,
        /// The reaction key (an emoji).
        key: String,
    },
}

impl Step {
    fn json(&self) -> Value {
        match self {
            Step::Send { room, body } => json!({"do": "send", "room": room, "body": body}),
            Step::Reply { room, to, body } => json!({"do": "reply", "room": room, "to": to, "body": body}),
            Step::Edit { room, to, body } => json!({"do": "edit", "room": room, "to": to, "body": body}),
            Step::React { room, to, key } => json!({"do": "react", "room": room, "to": to, "key": key}),
        }
    }
}

/// Signs in as `user` with matrix-nio at `homeserver` and carries out `steps`; the event ID
/// of each, in order.
pub fn member_does(homeserver: &str, user: &str, password: &str, steps: &[Step]) -> Result<Vec<String>> {
    let req = json!({
        "homeserver": homeserver,
        "user": user,
        "password": password,
        "steps": steps.iter().map(Step::json).collect::<Vec<_>>(),
    });
    let out = run_oracle(SCRIPT, &req.to_string()).context("matrix-nio")?;
    serde_json::from_str(out.trim()).with_context(|| format!("matrix-nio printed {out:?}"))
}
