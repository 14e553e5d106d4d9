//! A group's credit settings ([`CreditPolicy`](crate::credit::CreditPolicy)): the start value,
//! what each sanction takes, how clean time heals, the level thresholds, and the warning ladder.
//!
//! The settings are written by people (a JSON file, a group's state event), so reading them is
//! a validation: every field is checked, an error names the field it is about
//! (`credit policy: recovery.points: must not be negative`), and a policy that fails is never
//! half applied. A missing field takes its default; an unknown one is an error (a typo would
//! otherwise be silently ignored). Durations are seconds or a duration as `qg` takes it (`7d`); the policy is written back
//! ([`CreditPolicy::to_value`](crate::credit::CreditPolicy::to_value)) in the same shape, durations in seconds.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::action::ActionKind;
use crate::duration::{format_duration, parse_duration};
use crate::{ApiError, Result};

/// The sanctions that cost credit, as a policy names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Sanction {
    /// A warning (`warn`).
    Warn,
    /// A mute (`mute`), by its length.
    Mute,
    /// A removed message (`remove`), by its category.
    Remove,
    /// Removal from the group (`kick`).
    Kick,
    /// A ban (`ban`), by its length (an untimed ban is the longest).
    Ban,
    /// Platform staff suspending the account (`staff_suspend`).
    Suspend,
}

impl Sanction {
    /// Every sanction, in the order above.
    pub const ALL: [Sanction; 6] =
        [Sanction::Warn, Sanction::Mute, Sanction::Remove, Sanction::Kick, Sanction::Ban, Sanction::Suspend];

    /// The word a policy file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Sanction::Warn => "warn",
            Sanction::Mute => "mute",
            Sanction::Remove => "remove",
            Sanction::Kick => "kick",
            Sanction::Ban => "ban",
            Sanction::Suspend => "suspend",
        }
    }

    /// The sanction a case of this kind is, if any.
    pub fn of(kind: &ActionKind) -> Option<Sanction> {
        Some(match kind {
            ActionKind::Warn => Sanction::Warn,
            ActionKind::Mute => Sanction::Mute,
            ActionKind::Remove => Sanction::Remove,
            ActionKind::Kick => Sanction::Kick,
            ActionKind::Ban => Sanction::Ban,
            ActionKind::StaffSuspend => Sanction::Suspend,
            _ => return None,
        })
    }

    /// The sanction a reversal of this kind lifts (`unmute` → mute), if it is one.
    pub fn reversed_by(kind: &ActionKind) -> Option<Sanction> {
        Some(match kind {
            ActionKind::Unmute => Sanction::Mute,
            ActionKind::Unban => Sanction::Ban,
            ActionKind::StaffUnsuspend => Sanction::Suspend,
            _ => return None,
        })
    }

    fn from_word(word: &str) -> Option<Sanction> {
        Sanction::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// Points by length: the first band whose `up_to` covers the measure; the last band has no
/// bound and covers longer (and, for bans, untimed) measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Band {
    /// The longest measure this band covers, in seconds; `null` for the last band.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub up_to: Option<u64>,
    /// The points it takes.
    pub points: u32,
}

/// Points of a removed message, by the category of what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RemovePoints {
    /// A category the table does not name, or none.
    pub default: u32,
    /// By category (`porn`, `fraud`, `privacy`, … as the detectors and `qg scan` name them).
    pub categories: BTreeMap<String, u32>,
}

/// What each sanction takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Points {
    /// A warning.
    pub warn: u32,
    /// A mute, by length.
    pub mute: Vec<Band>,
    /// A removed message, by category.
    pub remove: RemovePoints,
    /// A kick.
    pub kick: u32,
    /// A ban, by length (untimed: the last band).
    pub ban: Vec<Band>,
    /// A platform suspension of the account.
    pub suspend: u32,
}

/// How clean time heals: `points` back for every `every` seconds without a new sanction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Recovery {
    /// Points back per period (0: credit never heals by itself).
    pub points: u32,
    /// The period, in seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub every: u64,
}

/// Where each level starts: a score at or above `good` is good, at or above `fair` fair, at or
/// above `poor` poor, and below it danger. Strictly `good > fair > poor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Thresholds {
    /// The lowest good score.
    pub good: u32,
    /// The lowest fair score.
    pub fair: u32,
    /// The lowest poor score; below it is danger.
    pub poor: u32,
}

/// The measure a ladder step calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Measure {
    /// A timed mute.
    Mute {
        /// Its length.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        seconds: u64,
    },
    /// A kick.
    Kick,
    /// A ban, timed or not.
    Ban {
        /// Its length; `null` for a ban with no end.
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        seconds: Option<u64>,
    },
}

impl Measure {
    /// The measure in English, as a case's reason and `qg` say it (`mute for 1d`).
    pub fn describe(&self) -> String {
        match self {
            Measure::Mute { seconds } => format!("mute for {}", format_duration(*seconds)),
            Measure::Kick => "kick".into(),
            Measure::Ban { seconds: Some(s) } => format!("ban for {}", format_duration(*s)),
            Measure::Ban { seconds: None } => "ban".into(),
        }
    }
}

/// One rung of the warning ladder: once `after` counted cases fall in the window, `measure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LadderStep {
    /// How many counted cases in the window call for this step.
    pub after: u32,
    /// What the step is.
    #[serde(flatten)]
    pub measure: Measure,
}

impl LadderStep {
    /// The rule a case taken by this step cites (`ladder:2`).
    pub fn rule_id(&self) -> String {
        format!("ladder:{}", self.after)
    }
}

/// The warning ladder: `after` counted cases in `window` seconds call for the next measure;
/// with `automatic`, the console takes it as soon as an admin's case reaches the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Ladder {
    /// Which sanctions count (`["warn"]`: warnings only).
    pub counts: Vec<Sanction>,
    /// The window, in seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub window: u64,
    /// Take the step without asking, as a case by the admin whose case reached it.
    pub automatic: bool,
    /// The steps, by strictly growing `after`; at or above the top, the top step again.
    pub steps: Vec<LadderStep>,
}

/// A group's credit settings (the console's own default where the group has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CreditPolicy {
    /// Where every member starts, and the most they can have.
    pub start: u32,
    /// The least they can have.
    pub floor: u32,
    /// What each sanction takes.
    pub points: Points,
    /// How clean time heals.
    pub recovery: Recovery,
    /// Where each level starts.
    pub levels: Thresholds,
    /// The warning ladder.
    pub ladder: Ladder,
}

/// Where the policy in effect for a group comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum PolicySource {
    /// The group's own, set by an owner or admin (shared by its admins).
    Group,
    /// This console's default (`credit-policy.json` in the data directory).
    Console,
    /// The built-in defaults (`docs/credit.md`).
    Default,
}

/// A policy and where it comes from, as `qg credit-policy` and the app show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PolicyView {
    /// Where it comes from.
    pub source: PolicySource,
    /// The policy itself.
    pub policy: CreditPolicy,
}

const DAY: u64 = 86_400;

impl Default for CreditPolicy {
    /// The defaults `docs/credit.md` explains.
    fn default() -> Self {
        let band = |up_to: Option<u64>, points| Band { up_to, points };
        CreditPolicy {
            start: 100,
            floor: 0,
            points: Points {
                warn: 5,
                mute: vec![band(Some(3600), 5), band(Some(DAY), 10), band(Some(7 * DAY), 15), band(None, 20)],
                remove: RemovePoints {
                    default: 5,
                    categories: [
                        ("porn", 10),
                        ("violence", 10),
                        ("gambling", 10),
                        ("privacy", 10),
                        ("fraud", 15),
                        ("pyramid", 15),
                    ]
                    .into_iter()
                    .map(|(c, p)| (c.to_owned(), p))
                    .collect(),
                },
                kick: 20,
                ban: vec![band(Some(7 * DAY), 30), band(None, 40)],
                suspend: 40,
            },
            recovery: Recovery { points: 1, every: 7 * DAY },
            levels: Thresholds { good: 90, fair: 70, poor: 50 },
            ladder: Ladder {
                counts: vec![Sanction::Warn],
                window: 30 * DAY,
                automatic: false,
                steps: vec![
                    LadderStep { after: 2, measure: Measure::Mute { seconds: DAY } },
                    LadderStep { after: 3, measure: Measure::Kick },
                    LadderStep { after: 4, measure: Measure::Ban { seconds: Some(7 * DAY) } },
                ],
            },
        }
    }
}

impl<'de> serde::Deserialize<'de> for CreditPolicy {
    /// Read with [`CreditPolicy::from_value`]: every check applies.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        CreditPolicy::from_value(&value).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// The most points any one number in a policy may be (a typo of 10000 is caught).
pub const MAX_POINTS: u32 = 1000;

fn bad(path: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_input(format!("credit policy: {path}: {why}"))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// An object whose keys are all in `known`; `unknown` says what a stray key is.
fn object<'a>(v: &'a Value, path: &str, known: &[&str], unknown: &str) -> Result<&'a Map<String, Value>> {
    let map = v.as_object().ok_or_else(|| bad(path_or_root(path), "must be an object"))?;
    if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(bad(&join(path, key), format!("{unknown} (known: {})", known.join(", "))));
    }
    Ok(map)
}

fn path_or_root(path: &str) -> &str {
    if path.is_empty() { "(the policy)" } else { path }
}

fn points(v: &Value, path: &str) -> Result<u32> {
    match v.as_i64() {
        Some(n) if n < 0 => Err(bad(path, "must not be negative")),
        Some(n) if n > i64::from(MAX_POINTS) => Err(bad(path, format!("at most {MAX_POINTS}"))),
        Some(n) => Ok(n as u32),
        None if v.as_f64().is_some_and(|f| f < 0.0) => Err(bad(path, "must not be negative")),
        None => Err(bad(path, "must be a whole number")),
    }
}

/// Seconds as a number, or a duration as `qg` takes it (`10m`, `1d`).
fn duration(v: &Value, path: &str) -> Result<u64> {
    match v {
        Value::String(s) => parse_duration(s).map_err(|e| bad(path, e.message)),
        Value::Number(_) => match v.as_i64() {
            Some(n) if n <= 0 => Err(bad(path, "must be more than zero")),
            Some(n) if n as u64 > crate::duration::MAX_SECONDS => Err(bad(path, "is longer than one year")),
            Some(n) => Ok(n as u64),
            None => Err(bad(path, "must be whole seconds or a duration such as 7d")),
        },
        _ => Err(bad(path, "must be seconds or a duration such as 7d")),
    }
}

fn bands(v: &Value, path: &str) -> Result<Vec<Band>> {
    if !v.is_array() {
        return Ok(vec![Band { up_to: None, points: points(v, path)? }]);
    }
    let list = v.as_array().expect("checked");
    if list.is_empty() {
        return Err(bad(path, "needs at least one band"));
    }
    let mut out: Vec<Band> = Vec::new();
    for (i, band) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let map = object(band, &at, &["up_to", "points"], "unknown field")?;
        let p = points(map.get("points").ok_or_else(|| bad(&at, "needs points"))?, &join(&at, "points"))?;
        let last = i + 1 == list.len();
        let up_to = match (map.get("up_to"), last) {
            (Some(Value::Null) | None, true) => None,
            (Some(Value::Null) | None, false) => {
                return Err(bad(&join(&at, "up_to"), "only the last band may be open-ended"));
            }
            (Some(u), _) => Some(duration(u, &join(&at, "up_to"))?),
        };
        if let (Some(prev), Some(now)) = (out.last().and_then(|b| b.up_to), up_to)
            && now <= prev
        {
            return Err(bad(
                &join(&at, "up_to"),
                format!(
                    "bands must grow: {} is not longer than the band before ({})",
                    format_duration(now),
                    format_duration(prev)
                ),
            ));
        }
        out.push(Band { up_to, points: p });
    }
    // A bounded last band leaves longer measures uncovered: they take its points.
    if let Some(last) = out.last_mut() {
        last.up_to = None;
    }
    Ok(out)
}

fn remove_points(v: &Value, path: &str) -> Result<RemovePoints> {
    if !v.is_object() {
        return Ok(RemovePoints { default: points(v, path)?, categories: BTreeMap::new() });
    }
    let map = object(v, path, &["default", "categories"], "unknown field")?;
    let mut out = CreditPolicy::default().points.remove;
    if let Some(d) = map.get("default") {
        out.default = points(d, &join(path, "default"))?;
    }
    if let Some(c) = map.get("categories") {
        let at = join(path, "categories");
        let c = c.as_object().ok_or_else(|| bad(&at, "must be an object of category: points"))?;
        out.categories = BTreeMap::new();
        for (key, value) in c {
            let at = join(&at, key);
            if key.is_empty() || key.chars().count() > 32 || key.contains(char::is_whitespace) {
                return Err(bad(&at, "a category is one word of at most 32 characters"));
            }
            out.categories.insert(key.clone(), points(value, &at)?);
        }
    }
    Ok(out)
}

fn sanction_points(v: &Value, path: &str, mut out: Points) -> Result<Points> {
    let map = v.as_object().ok_or_else(|| bad(path, "must be an object"))?;
    for (key, value) in map {
        let at = join(path, key);
        match Sanction::from_word(key) {
            Some(Sanction::Warn) => out.warn = points(value, &at)?,
            Some(Sanction::Mute) => out.mute = bands(value, &at)?,
            Some(Sanction::Remove) => out.remove = remove_points(value, &at)?,
            Some(Sanction::Kick) => out.kick = points(value, &at)?,
            Some(Sanction::Ban) => out.ban = bands(value, &at)?,
            Some(Sanction::Suspend) => out.suspend = points(value, &at)?,
            None if Sanction::reversed_by(&ActionKind::from(key.as_str())).is_some() => {
                return Err(bad(&at, "a reversal takes nothing: it gives back what the sanction it lifts took"));
            }
            None => {
                let known: Vec<&str> = Sanction::ALL.iter().map(|s| s.as_str()).collect();
                return Err(bad(&at, format!("unknown action kind (known: {})", known.join(", "))));
            }
        }
    }
    Ok(out)
}

fn whole(v: &Value, path: &str, min: u32) -> Result<u32> {
    let n = points(v, path)?;
    if n < min {
        return Err(bad(path, format!("must be at least {min}")));
    }
    Ok(n)
}

fn thresholds(v: &Value, path: &str, mut out: Thresholds) -> Result<Thresholds> {
    let map =
        object(v, path, &["good", "fair", "poor"], "unknown level (levels: good, fair, poor; danger is below poor)")?;
    for (key, value) in map {
        let n = points(value, &join(path, key))?;
        match key.as_str() {
            "good" => out.good = n,
            "fair" => out.fair = n,
            _ => out.poor = n,
        }
    }
    Ok(out)
}

fn ladder(v: &Value, path: &str, mut out: Ladder) -> Result<Ladder> {
    let map = object(v, path, &["counts", "window", "automatic", "steps"], "unknown field")?;
    if let Some(counts) = map.get("counts") {
        let at = join(path, "counts");
        let list = counts.as_array().ok_or_else(|| bad(&at, "must be a list of action kinds"))?;
        out.counts = Vec::new();
        for (i, word) in list.iter().enumerate() {
            let at = format!("{at}[{i}]");
            let word = word.as_str().ok_or_else(|| bad(&at, "must be an action kind"))?;
            let s = Sanction::from_word(word).ok_or_else(|| bad(&at, format!("unknown action kind “{word}”")))?;
            if !out.counts.contains(&s) {
                out.counts.push(s);
            }
        }
        if out.counts.is_empty() {
            return Err(bad(&at, "needs at least one action kind"));
        }
    }
    if let Some(w) = map.get("window") {
        out.window = duration(w, &join(path, "window"))?;
    }
    if let Some(a) = map.get("automatic") {
        out.automatic = a.as_bool().ok_or_else(|| bad(&join(path, "automatic"), "must be true or false"))?;
    }
    if let Some(steps) = map.get("steps") {
        let at = join(path, "steps");
        let list = steps.as_array().ok_or_else(|| bad(&at, "must be a list of steps"))?;
        out.steps = Vec::new();
        for (i, step) in list.iter().enumerate() {
            let at = format!("{at}[{i}]");
            let map = object(step, &at, &["after", "action", "seconds"], "unknown field")?;
            let after = whole(map.get("after").ok_or_else(|| bad(&at, "needs after"))?, &join(&at, "after"), 1)?;
            if let Some(prev) = out.steps.last().map(|s: &LadderStep| s.after)
                && after <= prev
            {
                return Err(bad(
                    &join(&at, "after"),
                    format!("steps must be in order: {after} is not more than the step before ({prev})"),
                ));
            }
            let length = map.get("seconds").filter(|d| !d.is_null()).map(|d| duration(d, &join(&at, "seconds")));
            let measure = match map.get("action").and_then(Value::as_str) {
                Some("mute") => Measure::Mute {
                    seconds: length.ok_or_else(|| bad(&join(&at, "seconds"), "a mute needs its length"))??,
                },
                Some("kick") if length.is_some() => {
                    return Err(bad(&join(&at, "seconds"), "a kick has no length"));
                }
                Some("kick") => Measure::Kick,
                Some("ban") => Measure::Ban { seconds: length.transpose()? },
                Some(other) => {
                    return Err(bad(&join(&at, "action"), format!("unknown measure “{other}” (mute, kick or ban)")));
                }
                None => return Err(bad(&join(&at, "action"), "needs a measure: mute, kick or ban")),
            };
            out.steps.push(LadderStep { after, measure });
        }
    }
    Ok(out)
}

impl CreditPolicy {
    /// Reads and checks a policy from its JSON text (see the module docs).
    pub fn from_json(text: &str) -> Result<CreditPolicy> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ApiError::invalid_input(format!("credit policy: not JSON: {e}")))?;
        CreditPolicy::from_value(&value)
    }

    /// Reads and checks a policy from JSON (a file's, or a group state event's content):
    /// missing fields take the defaults, anything wrong is an error naming the field.
    pub fn from_value(v: &Value) -> Result<CreditPolicy> {
        let known = ["start", "floor", "points", "recovery", "levels", "ladder"];
        let map = object(v, "", &known, "unknown field")?;
        let mut p = CreditPolicy::default();
        if let Some(s) = map.get("start") {
            p.start = whole(s, "start", 1)?;
        }
        if let Some(f) = map.get("floor") {
            p.floor = points(f, "floor")?;
        }
        if let Some(v) = map.get("points") {
            p.points = sanction_points(v, "points", p.points)?;
        }
        if let Some(r) = map.get("recovery") {
            let m = object(r, "recovery", &["points", "every"], "unknown field")?;
            if let Some(n) = m.get("points") {
                p.recovery.points = points(n, "recovery.points")?;
            }
            if let Some(e) = m.get("every") {
                p.recovery.every = duration(e, "recovery.every")?;
            }
        }
        if let Some(l) = map.get("levels") {
            p.levels = thresholds(l, "levels", p.levels)?;
        }
        if let Some(l) = map.get("ladder") {
            p.ladder = ladder(l, "ladder", p.ladder)?;
        }
        p.check()?;
        Ok(p)
    }

    /// The checks across fields: the floor below the start, the thresholds strictly in order
    /// between them.
    fn check(&self) -> Result<()> {
        let l = &self.levels;
        if self.floor >= self.start {
            return Err(bad("floor", format!("must be below start ({})", self.start)));
        }
        if l.good > self.start {
            return Err(bad("levels.good", format!("must not be above start ({})", self.start)));
        }
        if l.fair >= l.good {
            return Err(bad("levels.fair", format!("must be below levels.good ({}): levels may not overlap", l.good)));
        }
        if l.poor >= l.fair {
            return Err(bad("levels.poor", format!("must be below levels.fair ({}): levels may not overlap", l.fair)));
        }
        if l.poor <= self.floor {
            return Err(bad(
                "levels.poor",
                format!("must be above floor ({}), or danger could never be reached", self.floor),
            ));
        }
        Ok(())
    }

    /// The policy as JSON: what a file or a group's state event holds, and what
    /// [`CreditPolicy::from_value`] reads back (durations in seconds).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a policy always serialises")
    }

    /// The level of `score`.
    pub fn level(&self, score: u32) -> crate::credit::Level {
        use crate::credit::Level;
        match score {
            s if s >= self.levels.good => Level::Good,
            s if s >= self.levels.fair => Level::Fair,
            s if s >= self.levels.poor => Level::Poor,
            _ => Level::Danger,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_policy_reads_back_from_its_own_json() {
        let p = CreditPolicy::default();
        assert_eq!(CreditPolicy::from_value(&p.to_value()).unwrap(), p, "written and read, the same policy");
        assert_eq!(CreditPolicy::from_json("{}").unwrap(), p, "an empty file is the defaults");
    }

    #[test]
    fn a_policy_file_may_use_durations_and_leave_out_what_it_does_not_change() {
        let p = CreditPolicy::from_value(&json!({
            "start": 80,
            "points": {"warn": 8, "mute": [{"up_to": "1h", "points": 4}, {"points": 12}], "remove": {"categories": {"spam": 2}}},
            "recovery": {"every": "3d"},
            "levels": {"good": 70, "fair": 50, "poor": 30},
            "ladder": {"counts": ["warn", "remove"], "window": "14d", "automatic": true,
                       "steps": [{"after": 3, "action": "mute", "seconds": "2h"}, {"after": 5, "action": "ban"}]},
        }))
        .unwrap();
        assert_eq!((p.start, p.points.warn, p.points.kick), (80, 8, 20), "changed and default fields");
        assert_eq!(p.points.mute, [Band { up_to: Some(3600), points: 4 }, Band { up_to: None, points: 12 }]);
        assert_eq!((p.points.remove.default, p.points.remove.categories.get("spam")), (5, Some(&2)));
        assert_eq!(p.points.remove.categories.len(), 1, "the categories given replace the defaults'");
        assert_eq!(p.recovery, Recovery { points: 1, every: 3 * DAY });
        assert_eq!(p.ladder.counts, [Sanction::Warn, Sanction::Remove]);
        assert_eq!(p.ladder.steps[0].measure, Measure::Mute { seconds: 7200 });
        assert_eq!(p.ladder.steps[1].measure, Measure::Ban { seconds: None }, "a ban with no length has no end");
        assert!(p.ladder.automatic);
        let flat = CreditPolicy::from_value(&json!({"points": {"ban": 50, "remove": 3}})).unwrap();
        assert_eq!(flat.points.ban, [Band { up_to: None, points: 50 }], "a number is one band for every length");
        assert_eq!(flat.points.remove.default, 3);
    }

    /// Every bad field is refused with an error that names it; nothing is half read.
    #[test]
    fn a_bad_policy_is_refused_naming_the_field() {
        let table = [
            (json!({"recovery": {"points": -1}}), "credit policy: recovery.points: must not be negative"),
            (json!({"recovery": {"every": "-7d"}}), "credit policy: recovery.every:"),
            (json!({"recovery": {"every": 0}}), "credit policy: recovery.every: must be more than zero"),
            (json!({"points": {"appeal": 3}}), "credit policy: points.appeal: unknown action kind"),
            (json!({"points": {"unmute": 3}}), "credit policy: points.unmute: a reversal takes nothing"),
            (json!({"points": {"warn": -5}}), "credit policy: points.warn: must not be negative"),
            (json!({"points": {"warn": 2.5}}), "credit policy: points.warn: must be a whole number"),
            (json!({"points": {"kick": 5000}}), "credit policy: points.kick: at most 1000"),
            (
                json!({"points": {"mute": [{"up_to": "1d", "points": 5}, {"up_to": "1h", "points": 9}, {"points": 9}]}}),
                "credit policy: points.mute[1].up_to: bands must grow",
            ),
            (
                json!({"points": {"mute": [{"points": 5}, {"points": 9}]}}),
                "credit policy: points.mute[0].up_to: only the last band may be open-ended",
            ),
            (json!({"points": {"ban": []}}), "credit policy: points.ban: needs at least one band"),
            (json!({"levels": {"good": 60, "fair": 70}}), "credit policy: levels.fair: must be below levels.good"),
            (json!({"levels": {"fair": 50, "poor": 50}}), "credit policy: levels.poor: must be below levels.fair"),
            (json!({"levels": {"good": 120}}), "credit policy: levels.good: must not be above start"),
            (json!({"levels": {"excellent": 95}}), "credit policy: levels.excellent: unknown level"),
            (json!({"floor": 100}), "credit policy: floor: must be below start"),
            (json!({"floor": 60}), "credit policy: levels.poor: must be above floor"),
            (json!({"start": 0}), "credit policy: start: must be at least 1"),
            (json!({"ladder": {"counts": ["hug"]}}), "credit policy: ladder.counts[0]: unknown action kind"),
            (json!({"ladder": {"window": "2y"}}), "credit policy: ladder.window:"),
            (
                json!({"ladder": {"steps": [{"after": 3, "action": "kick"}, {"after": 2, "action": "ban"}]}}),
                "credit policy: ladder.steps[1].after: steps must be in order",
            ),
            (
                json!({"ladder": {"steps": [{"after": 2, "action": "mute"}]}}),
                "credit policy: ladder.steps[0].seconds: a mute needs its length",
            ),
            (
                json!({"ladder": {"steps": [{"after": 2, "action": "slap"}]}}),
                "credit policy: ladder.steps[0].action: unknown measure",
            ),
            (
                json!({"ladder": {"steps": [{"after": 0, "action": "kick"}]}}),
                "credit policy: ladder.steps[0].after: must be at least 1",
            ),
            (json!({"ladder": {"automatic": "yes"}}), "credit policy: ladder.automatic: must be true or false"),
            (json!({"recovery": {"points": 1, "per": "7d"}}), "credit policy: recovery.per: unknown field"),
            (json!({"points": {"remove": {"fraud": 3}}}), "credit policy: points.remove.fraud: unknown field"),
            (
                json!({"points": {"remove": {"categories": {"two words": 3}}}}),
                "credit policy: points.remove.categories.two words:",
            ),
            (json!([1, 2]), "credit policy: (the policy): must be an object"),
        ];
        for (policy, want) in table {
            let e = CreditPolicy::from_value(&policy).expect_err(&format!("{policy} should be refused"));
            assert_eq!(e.code, crate::ErrorCode::InvalidInput, "{policy}");
            assert!(e.message.starts_with(want), "{policy}: {:?} should start with {want:?}", e.message);
        }
        assert!(CreditPolicy::from_json("{not json").unwrap_err().message.starts_with("credit policy: not JSON"));
    }

    #[test]
    fn levels_start_at_their_thresholds() {
        let p = CreditPolicy::default();
        use crate::credit::Level;
        let table = [
            (100, Level::Good),
            (90, Level::Good),
            (89, Level::Fair),
            (70, Level::Fair),
            (69, Level::Poor),
            (50, Level::Poor),
            (49, Level::Danger),
            (0, Level::Danger),
        ];
        for (score, level) in table {
            assert_eq!(p.level(score), level, "score {score}");
        }
    }
}
