//! Reading room state and member events — untrusted JSON from the homeserver — into core types.
//!
//! Every event may be malformed or hostile (it may come from another server). The parsers
//! here take what they can and skip what they cannot: one broken member event must not hide
//! a room's other 999 members, and nothing here panics on any input.

use std::collections::{BTreeMap, HashSet};

use qunguan_core::{GroupState, MemberState, Membership, PowerLevels, PowerSnapshot};
use serde::Deserialize;
use serde_json::Value;

/// The state event that marks one of the console's own rooms (moderation room, policy list).
pub const CONSOLE_ROOM_EVENT: &str = "org.qunguan.room";
/// A group's own report words and emoji, in the group's state: `{commands: [..], emoji: [..]}`,
/// set by its managers and read by every console (and any member's client that cares).
pub const REPORT_WORDS_EVENT: &str = "org.qunguan.report_words";
/// A group's written rules, in the group's state: `{text}`, set by its managers; an event set by
/// anyone else (a member given the power to send it) is not used.
pub const RULES_EVENT: &str = "org.qunguan.rules";
/// A group's own credit policy, in the group's state: the policy's JSON (see
/// `qunguan_core::credit::CreditPolicy`), used only when an owner or admin set a valid one.
pub const CREDIT_POLICY_EVENT: &str = "org.qunguan.credit_policy";
/// Display names longer than this are cut (they are shown in one row).
const MAX_DISPLAY_NAME_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    state_key: Option<String>,
    sender: Option<String>,
    #[serde(default)]
    content: Value,
    origin_server_ts: Option<Value>,
}

fn parse(raw: &str) -> Option<Event> {
    serde_json::from_str(raw).ok()
}

/// Room version 12 made creators outrank every power level (MSC4289).
pub fn creators_outrank(room_version: &str) -> bool {
    room_version.parse::<u32>().is_ok_and(|v| v >= 12) || room_version == "org.matrix.hydra.11"
}

/// Power levels may be JSON integers or (in old rooms) strings holding integers.
fn level(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn level_map(v: Option<&Value>) -> BTreeMap<String, i64> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), level(v)?))).collect())
        .unwrap_or_default()
}

pub(crate) fn power_levels(content: &Value) -> PowerLevels {
    let d = PowerLevels::default();
    let get = |key: &str, default: i64| content.get(key).and_then(level).unwrap_or(default);
    PowerLevels {
        users: level_map(content.get("users")),
        users_default: get("users_default", d.users_default),
        events: level_map(content.get("events")),
        events_default: get("events_default", d.events_default),
        state_default: get("state_default", d.state_default),
        kick: get("kick", d.kick),
        ban: get("ban", d.ban),
        redact: get("redact", d.redact),
        invite: get("invite", d.invite),
    }
}

fn non_empty_string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Builds a room's [`GroupState`] from its full state (`GET /rooms/{id}/state`).
pub fn group_state<'a>(
    room_id: &str,
    raw_events: impl IntoIterator<Item = &'a str>,
    direct_rooms: &HashSet<String>,
) -> GroupState {
    let mut name = None;
    let mut alias = None;
    let mut encrypted = false;
    // Senders of empty-key console markers; one counts only when the room's creator set it
    // (consoles create their rooms with it): anyone at `state_default` could set one later.
    let mut marker_senders: Vec<String> = Vec::new();
    let mut create_sender: Option<String> = None;
    let mut joined = 0u64;
    let mut creators: Vec<String> = Vec::new();
    let mut room_version = "1".to_owned();
    let mut levels: Option<PowerLevels> = None;
    let mut words: Option<(Option<String>, Value)> = None;
    let mut rules: Option<(Option<String>, Value)> = None;
    let mut joined_users: Vec<String> = Vec::new();
    let mut credit: Option<(Option<String>, Value)> = None;

    for event in raw_events.into_iter().filter_map(parse) {
        let Some(state_key) = event.state_key.as_deref() else { continue };
        match (event.kind.as_str(), state_key) {
            ("m.room.create", "") => {
                let c = &event.content;
                create_sender.clone_from(&event.sender);
                room_version = c.get("room_version").and_then(Value::as_str).unwrap_or("1").to_owned();
                let creator = c.get("creator").and_then(Value::as_str).map(str::to_owned).or(event.sender.clone());
                creators = creator.into_iter().collect();
                if let Some(extra) = c.get("additional_creators").and_then(Value::as_array) {
                    creators.extend(extra.iter().filter_map(Value::as_str).map(str::to_owned));
                }
            }
            ("m.room.power_levels", "") => levels = Some(power_levels(&event.content)),
            ("m.room.name", "") => name = non_empty_string(event.content.get("name")),
            ("m.room.canonical_alias", "") => alias = non_empty_string(event.content.get("alias")),
            ("m.room.encryption", "") => encrypted = event.content.get("algorithm").is_some(),
            ("m.room.member", user) if event.content.get("membership").and_then(Value::as_str) == Some("join") => {
                joined += 1;
                joined_users.push(user.to_owned());
            }
            (CONSOLE_ROOM_EVENT, "") => marker_senders.extend(event.sender.clone()),
            (REPORT_WORDS_EVENT, "") => words = Some((event.sender.clone(), event.content.clone())),
            (RULES_EVENT, "") => rules = Some((event.sender.clone(), event.content.clone())),
            (CREDIT_POLICY_EVENT, "") => credit = Some((event.sender.clone(), event.content.clone())),
            _ => {}
        }
    }

    let console_room = create_sender.is_some_and(|c| marker_senders.contains(&c));
    let outrank = creators_outrank(&room_version);
    let levels = levels.unwrap_or_else(|| {
        // No power-levels event: the spec gives the creator 100 and everything else 0.
        let mut l = PowerLevels { state_default: 0, kick: 0, ban: 0, redact: 0, ..PowerLevels::default() };
        if !outrank && let Some(c) = creators.first() {
            l.users.insert(c.clone(), 100);
        }
        l
    });
    let power = PowerSnapshot { creators, creators_outrank: outrank, levels };
    // Set by someone who manages the group, and well-formed; else the defaults.
    let by_manager = |sender: Option<String>| sender.is_some_and(|s| power.role(&s).manages());
    let report_words = words.and_then(|(sender, content)| {
        if !by_manager(sender) {
            return None;
        }
        let list = |key: &str| -> Vec<String> {
            content
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        qunguan_core::report::ReportWords::checked(list("commands"), list("emoji")).ok()
    });
    let rules = rules
        .filter(|(sender, _)| by_manager(sender.clone()))
        .and_then(|(_, content)| qunguan_core::group_rules::checked(content.get("text")?.as_str()?).ok());
    let joined_managers = joined_users.into_iter().filter(|u| power.role(u).manages()).collect();
    // How members are judged is the owners' and admins' to say; a policy that fails its checks
    // is not used (the console's default is).
    let credit_policy = credit.and_then(|(sender, content)| {
        (power.role(&sender?) >= qunguan_core::Role::Admin).then_some(())?;
        qunguan_core::credit::CreditPolicy::from_value(&content).ok()
    });
    GroupState {
        id: room_id.to_owned(),
        name,
        alias,
        joined_members: joined,
        encrypted,
        is_direct: direct_rooms.contains(room_id),
        console_room,
        power,
        report_words,
        rules,
        joined_managers,
        credit_policy,
    }
}

fn membership(s: &str) -> Option<Membership> {
    Some(match s {
        "join" => Membership::Join,
        "invite" => Membership::Invite,
        "knock" => Membership::Knock,
        "leave" => Membership::Leave,
        "ban" => Membership::Ban,
        _ => return None,
    })
}

fn display_name(v: Option<&Value>) -> Option<String> {
    let name = non_empty_string(v)?;
    Some(name.chars().filter(|c| !c.is_control()).take(MAX_DISPLAY_NAME_CHARS).collect())
}

/// Reads member events (`GET /rooms/{id}/members`), skipping malformed ones.
pub fn members<'a>(raw_events: impl IntoIterator<Item = &'a str>) -> Vec<MemberState> {
    let mut seen = HashSet::new();
    raw_events
        .into_iter()
        .filter_map(parse)
        .filter(|e| e.kind == "m.room.member")
        .filter_map(|e| {
            let user_id = e.state_key.filter(|k| k.starts_with('@') && k.contains(':'))?;
            let membership = membership(e.content.get("membership")?.as_str()?)?;
            seen.insert(user_id.clone()).then_some(MemberState {
                display_name: display_name(e.content.get("displayname")),
                membership,
                since_ms: e.origin_server_ts.as_ref().and_then(Value::as_i64),
                user_id,
            })
        })
        .collect()
}

/// Reads the `m.direct` account data (`{user: [room, ...]}`) into the set of direct rooms.
pub fn direct_rooms(raw: &str) -> HashSet<String> {
    serde_json::from_str::<BTreeMap<String, Value>>(raw)
        .map(|m| {
            m.values().filter_map(Value::as_array).flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use qunguan_core::Role;

    const V12_ROOM: &[&str] = &[
        r#"{"type":"m.room.create","state_key":"","sender":"@owner:hs","content":{"room_version":"12","additional_creators":["@co:hs"]}}"#,
        r#"{"type":"m.room.power_levels","state_key":"","sender":"@owner:hs","content":{"users":{"@admin:hs":100,"@mod:hs":"50","@muted:hs":-1},"events":{"m.room.power_levels":100},"events_default":0}}"#,
        r#"{"type":"m.room.name","state_key":"","content":{"name":"技术交流群"}}"#,
        r##"{"type":"m.room.canonical_alias","state_key":"","content":{"alias":"#tech:hs"}}"##,
        r#"{"type":"m.room.member","state_key":"@owner:hs","content":{"membership":"join"}}"#,
        r#"{"type":"m.room.member","state_key":"@admin:hs","content":{"membership":"join"}}"#,
        r#"{"type":"m.room.member","state_key":"@left:hs","content":{"membership":"leave"}}"#,
        r#"not json at all"#,
        r#"{"type":"m.room.member","content":{"membership":"join"}}"#,
        r#"{"type":"m.room.power_levels","content":{"users":{"@mod:hs":100}}}"#,
    ];

    /// [`V12_ROOM`] with one more state event of `kind`, sent by `sender`.
    fn with_setting(kind: &str, sender: &str, content: &str) -> GroupState {
        let event = format!(r#"{{"type":"{kind}","state_key":"","sender":"{sender}","content":{content}}}"#);
        let events: Vec<&str> = V12_ROOM.iter().copied().chain([event.as_str()]).collect();
        group_state("!r", events, &HashSet::new())
    }

    #[test]
    fn report_words_count_only_when_a_manager_set_them_well_formed() {
        let words = |sender: &str, content: &str| with_setting(REPORT_WORDS_EVENT, sender, content).report_words;
        let set = words("@mod:hs", r#"{"commands":["!mod"],"emoji":["⚠️"]}"#).expect("a moderator's words count");
        assert_eq!((set.commands, set.emoji), (vec!["!mod".to_owned()], vec!["⚠".to_owned()]));
        assert_eq!(words("@muted:hs", r#"{"commands":["!mod"]}"#), None, "a member's words do not count");
        assert_eq!(words("@admin:hs", r#"{"commands":["two words"]}"#), None, "malformed words are not used");
        assert_eq!(words("@admin:hs", r#""not an object""#), None);
    }

    #[test]
    fn rules_count_only_when_a_manager_set_them() {
        let rules = |sender: &str, content: &str| with_setting(RULES_EVENT, sender, content).rules;
        assert_eq!(rules("@mod:hs", r#"{"text":" 1. 不发广告\r\n"}"#).as_deref(), Some("1. 不发广告"), "checked");
        assert_eq!(rules("@owner:hs", r#"{"text":"Be kind"}"#).as_deref(), Some("Be kind"), "the owner's");
        assert_eq!(rules("@muted:hs", r#"{"text":"anything goes"}"#), None, "a member's rules are not used");
        assert_eq!(rules("@stranger:hs", r#"{"text":"x"}"#), None, "nor a non-member's");
        assert_eq!(rules("@admin:hs", r#"{"text":"  "}"#), None, "blank rules are none");
        assert_eq!(rules("@admin:hs", r#"{"text":7}"#), None, "nor rules that are not text");
    }

    #[test]
    fn a_credit_policy_counts_only_when_an_owner_or_admin_set_a_valid_one() {
        let policy = |sender: &str, content: &str| with_setting(CREDIT_POLICY_EVENT, sender, content).credit_policy;
        let set = policy("@admin:hs", r#"{"start":80,"levels":{"good":70,"fair":50,"poor":30}}"#).expect("an admin's");
        assert_eq!(set.start, 80);
        assert!(policy("@owner:hs", "{}").is_some(), "an owner's (the defaults)");
        assert_eq!(policy("@mod:hs", "{}"), None, "a moderator does not set how members are judged");
        assert_eq!(policy("@admin:hs", r#"{"recovery":{"points":-1}}"#), None, "an invalid policy is not used");
    }

    #[test]
    fn reads_v12_room_state() {
        let s = group_state("!r", V12_ROOM.iter().copied(), &HashSet::new());
        assert_eq!(s.name.as_deref(), Some("技术交流群"));
        assert_eq!(s.alias.as_deref(), Some("#tech:hs"));
        assert_eq!(s.joined_members, 2, "only joined members with a state key count");
        assert_eq!(s.joined_managers, ["@owner:hs", "@admin:hs"], "the managers among the joined");
        assert!(s.power.creators_outrank, "a v12 room's creators should outrank everyone");
        assert_eq!(s.power.creators, ["@owner:hs", "@co:hs"]);
        let table = [
            ("@owner:hs", Role::Owner),
            ("@co:hs", Role::Owner),
            ("@admin:hs", Role::Admin),
            ("@mod:hs", Role::Moderator),
            ("@muted:hs", Role::Member),
        ];
        for (user, role) in table {
            assert_eq!(s.power.role(user), role, "{user}");
        }
        assert!(s.power.is_muted("@muted:hs"), "a member below events_default should read as muted");
        assert!(
            !s.is_direct && !s.console_room && !s.encrypted,
            "a plain group should not read as direct, console or encrypted"
        );
    }

    #[test]
    fn old_rooms_use_content_creator_and_numeric_levels() {
        let events = [
            r#"{"type":"m.room.create","state_key":"","sender":"@x:hs","content":{"creator":"@old:hs","room_version":"10"}}"#,
            r#"{"type":"m.room.power_levels","state_key":"","content":{"users":{"@old:hs":100}}}"#,
            r#"{"type":"m.room.encryption","state_key":"","content":{"algorithm":"m.megolm.v1.aes-sha2"}}"#,
            r#"{"type":"org.qunguan.room","state_key":"","sender":"@x:hs","content":{"kind":"moderation"}}"#,
        ];
        let direct = HashSet::from(["!r".to_string()]);
        let s = group_state("!r", events, &direct);
        assert!(!s.power.creators_outrank, "creators of an old room version should not outrank by creation");
        assert_eq!(s.power.role("@old:hs"), Role::Owner, "the old room's creator should be owner by level 100");
        assert_eq!(s.power.power("@old:hs"), Some(100), "the old room's creator should have their listed level");
        assert!(
            s.encrypted && s.console_room && s.is_direct,
            "the room's flags should follow its state and the direct list"
        );
    }

    #[test]
    fn marker_from_a_moderator_does_not_hide_the_group() {
        let create = r#"{"type":"m.room.create","state_key":"","sender":"@owner:hs","content":{"room_version":"10"}}"#;
        let by_mod = r#"{"type":"org.qunguan.room","state_key":"","sender":"@mod:hs","content":{"kind":"moderation"}}"#;
        let keyed =
            r#"{"type":"org.qunguan.room","state_key":"x","sender":"@owner:hs","content":{"kind":"moderation"}}"#;
        let by_creator =
            r#"{"type":"org.qunguan.room","state_key":"","sender":"@owner:hs","content":{"kind":"moderation"}}"#;
        let console = |events: &[&str]| group_state("!r", events.iter().copied(), &HashSet::new()).console_room;
        assert!(!console(&[create, by_mod]), "an empty-key marker set by someone other than the creator");
        assert!(!console(&[by_mod, create, keyed]), "a marker with a state key is no marker");
        assert!(console(&[by_creator, create]), "the marker a console creates its room with");
    }

    #[test]
    fn room_without_power_levels_gives_creator_100() {
        let events = [r#"{"type":"m.room.create","state_key":"","sender":"@c:hs","content":{"room_version":"9"}}"#];
        let s = group_state("!r", events, &HashSet::new());
        assert_eq!(s.power.role("@c:hs"), Role::Owner, "with no power levels the creator should be owner");
        assert_eq!(s.power.power("@someone:hs"), Some(0), "with no power levels everyone else should be at 0");
    }

    #[test]
    fn members_skip_malformed_and_duplicate_events() {
        let events = [
            r#"{"type":"m.room.member","state_key":"@a:hs","origin_server_ts":1000,"content":{"membership":"join","displayname":"  阿明\u0007 "}}"#,
            r#"{"type":"m.room.member","state_key":"@a:hs","content":{"membership":"leave"}}"#,
            r#"{"type":"m.room.member","state_key":"@b:hs","content":{"membership":"ban"}}"#,
            r#"{"type":"m.room.member","state_key":"@c:hs","content":{"membership":"wizard"}}"#,
            r#"{"type":"m.room.member","state_key":"not-a-user","content":{"membership":"join"}}"#,
            r#"{"type":"m.room.message","state_key":"@d:hs","content":{"membership":"join"}}"#,
            r#"[1,2,3]"#,
        ];
        let ms = members(events);
        assert_eq!(ms.len(), 2, "{ms:?}");
        assert_eq!(ms[0].display_name.as_deref(), Some("阿明"), "control characters stripped");
        assert_eq!(ms[0].since_ms, Some(1000), "the joined time should come from the membership event");
        assert_eq!(ms[1].membership, Membership::Ban);
    }

    #[test]
    fn direct_rooms_from_account_data() {
        let d = direct_rooms(r#"{"@a:hs":["!x","!y"],"@b:hs":["!z", 5],"@c:hs":"bad"}"#);
        assert_eq!(d.len(), 3, "only the room IDs that are strings should be direct rooms");
        assert!(direct_rooms("garbage").is_empty(), "account data that is not JSON should give no direct room");
    }
}
