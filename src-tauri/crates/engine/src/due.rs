//! Work that comes due: queued actions whose retry time has come, and timed mutes that end.
//!
//! `qg serve` and the running app call [`Engine::run_due`] on a timer; a reversal whose time
//! passed while nothing was running is carried out at the next start, and its case says how
//! late it was. Reversals are ordinary cases (an `unmute` citing the mute it ends), so they are
//! signed, chained and carried out exactly once like any other action.

use std::collections::BTreeMap;

use qunguan_core::action::{Action, ActionOutcome};
use qunguan_core::{Result, time::rfc3339_from_millis};
use qunguan_store::{CaseFilter, CaseRow};

use crate::Engine;
use crate::act::ActRequest;
use crate::cache::now_ms;

/// A reversal this much after its time is reported as late.
const LATE_AFTER_MS: i64 = 60_000;

/// Milliseconds since the epoch of an RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` (the only form we write).
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (Howard Hinnant), the inverse of core::time.
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400) + h * 3600 + mi * 60 + se) * 1000)
}

impl Engine {
    /// Retries due outbox entries, then ends timed mutes whose time has come.
    pub async fn run_due(&self) -> Result<Vec<ActionOutcome>> {
        self.platform().await?;
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(Vec::new()); // No store, so nothing can have been decided here.
        }
        let mut out = self.retry_outbox(false).await?;
        out.extend(self.end_timed_mutes().await?);
        self.sync_cases().await?;
        Ok(out)
    }

    /// Timed mutes in force, by (group, member): the latest mute/unmute decision is a done mute
    /// with an end time. Value: (the mute's case, its end in Unix ms).
    async fn timed_mutes(&self, group: Option<String>) -> Result<BTreeMap<(String, String), (CaseRow, i64)>> {
        let cases = self.on_store(move |s| s.cases(&CaseFilter { group, ..CaseFilter::default() })).await?;
        let mut latest = BTreeMap::new();
        for c in cases {
            let r = &c.decision.record;
            if matches!(r.action.as_str(), "mute" | "unmute") && c.status != "refused" && c.status != "conflict" {
                latest.insert((r.group.clone(), r.target.clone().unwrap_or_default()), c);
            }
        }
        Ok(latest
            .into_iter()
            .filter_map(|(k, c)| {
                let r = &c.decision.record;
                let until = r.detail.get("until").and_then(|u| parse_rfc3339(u))?;
                (r.action == "mute" && c.status == "done").then_some((k, (c, until)))
            })
            .collect())
    }

    /// When each member's timed mute in this group ends (RFC 3339), from my case log.
    pub(crate) async fn mute_ends(&self, group: &str) -> Result<BTreeMap<String, String>> {
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(BTreeMap::new());
        }
        Ok(self
            .timed_mutes(Some(group.to_owned()))
            .await?
            .into_iter()
            .map(|((_, user), (_, until))| (user, rfc3339_from_millis(until)))
            .collect())
    }

    async fn end_timed_mutes(&self) -> Result<Vec<ActionOutcome>> {
        let (account, _) = self.platform().await?;
        let now = now_ms();
        let mut out = Vec::new();
        for ((group, user), (c, until)) in self.timed_mutes(None).await? {
            let r = &c.decision.record;
            // Only the admin who muted ends the mute: one console acts, never two.
            if r.actor != account.user_id || until > now {
                continue;
            }
            let late = now - until > LATE_AFTER_MS;
            let reason = if late {
                format!(
                    "timed mute ended (case {}); due at {}, carried out late",
                    r.case_id,
                    rfc3339_from_millis(until)
                )
            } else {
                format!("timed mute ended (case {})", r.case_id)
            };
            let request =
                ActRequest { group, action: Action::Unmute { user }, reason, rule: r.rule.clone(), lang: "en".into() };
            out.push(self.act(request).await?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;
    use qunguan_core::time::rfc3339_from_millis;

    #[test]
    fn parses_what_we_write() {
        for ms in [0, 951_782_400_000, 1_795_435_199_000, 4_102_444_800_000] {
            assert_eq!(parse_rfc3339(&rfc3339_from_millis(ms)), Some(ms), "{ms}");
        }
        for bad in ["", "2026-11-23", "2026-11-23T10:00:00+08:00", "2026-1x-23T10:00:00Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
