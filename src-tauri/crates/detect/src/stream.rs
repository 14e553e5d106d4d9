//! Behaviour over a stream of messages: flooding.
//!
//! The caller feeds messages in arrival order ([`Stream::observe`]); the stream keeps only what
//! the windows need, so memory stays bounded by the traffic of the last window.
//!
//! * **Sender flood**: `max_messages` messages by one sender within `window_secs`. The message
//!   that reaches the threshold and every further one inside the window are flagged.
//! * **Repeated text**: the same normalised text (so `加 微 信` and `加微信` are the same) from
//!   `repeat_senders` distinct senders within `repeat_window_secs`; texts shorter than
//!   `repeat_min_bytes` normalised bytes (`ok`, `收到`, `+1`) never count.
//!
//! Timestamps are milliseconds; a timestamp earlier than one already seen is treated as equal
//! to the latest (clocks disagree; the stream never panics or goes backwards).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::finding::{Finding, Kind, category};
use crate::normalize;
use crate::rules::{FloodPolicy, Resolved, RuleSet, ids};

/// Flood state for one group.
#[derive(Debug)]
pub struct Stream {
    policy: FloodPolicy,
    sender_rule: Resolved,
    repeat_rule: Resolved,
    spam: Arc<str>,
    latest: i64,
    by_sender: HashMap<String, VecDeque<i64>>,
    by_text: HashMap<String, VecDeque<(i64, String)>>,
    since_sweep: usize,
}

impl Stream {
    /// A stream under a group's rules.
    pub fn new(rules: &RuleSet) -> Stream {
        Stream {
            policy: rules.flood,
            sender_rule: Resolved::of(rules.get(ids::FLOOD_SENDER), ids::FLOOD_SENDER),
            repeat_rule: Resolved::of(rules.get(ids::FLOOD_REPEAT), ids::FLOOD_REPEAT),
            spam: Arc::from(category::SPAM),
            latest: i64::MIN,
            by_sender: HashMap::new(),
            by_text: HashMap::new(),
            since_sweep: 0,
        }
    }

    /// Observe one message; returns its flood findings (spanning the whole text).
    pub fn observe(&mut self, sender: &str, ts_ms: i64, text: &str) -> Vec<Finding> {
        let ts = ts_ms.max(self.latest);
        self.latest = ts;
        let mut out = Vec::new();
        let whole = (0, text.len());

        let window = (self.policy.window_secs as i64).saturating_mul(1000);
        let q = self.by_sender.entry(sender.to_owned()).or_default();
        q.push_back(ts);
        while q.front().is_some_and(|&t| ts.saturating_sub(t) > window) {
            q.pop_front();
        }
        if self.sender_rule.enabled && self.policy.max_messages > 0 && q.len() >= self.policy.max_messages {
            out.push(self.finding(&self.sender_rule, whole));
        }

        let norm = normalize::normalize(text);
        if norm.len() >= self.policy.repeat_min_bytes.max(1) {
            let rwindow = (self.policy.repeat_window_secs as i64).saturating_mul(1000);
            let q = self.by_text.entry(norm.as_str().to_owned()).or_default();
            q.push_back((ts, sender.to_owned()));
            while q.front().is_some_and(|(t, _)| ts.saturating_sub(*t) > rwindow) {
                q.pop_front();
            }
            let mut senders: Vec<&str> = q.iter().map(|(_, s)| s.as_str()).collect();
            senders.sort_unstable();
            senders.dedup();
            if self.repeat_rule.enabled && self.policy.repeat_senders > 0 && senders.len() >= self.policy.repeat_senders
            {
                out.push(self.finding(&self.repeat_rule, whole));
            }
        }

        self.since_sweep += 1;
        if self.since_sweep >= 1024 {
            self.sweep();
        }
        out
    }

    fn finding(&self, r: &Resolved, (start, end): (usize, usize)) -> Finding {
        Finding {
            kind: Kind::Flood,
            category: Some(self.spam.clone()),
            rule: r.id.clone(),
            start,
            end,
            severity: r.severity,
        }
    }

    /// Drop state that no window can reach any more.
    fn sweep(&mut self) {
        self.since_sweep = 0;
        let now = self.latest;
        let w = (self.policy.window_secs as i64).saturating_mul(1000);
        let rw = (self.policy.repeat_window_secs as i64).saturating_mul(1000);
        self.by_sender.retain(|_, q| q.back().is_some_and(|&t| now.saturating_sub(t) <= w));
        self.by_text.retain(|_, q| q.back().is_some_and(|(t, _)| now.saturating_sub(*t) <= rw));
    }

    /// How many senders and texts are being tracked (for tests and diagnostics).
    pub fn tracked(&self) -> (usize, usize) {
        (self.by_sender.len(), self.by_text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_flood_needs_five_in_ten_seconds() {
        let mut s = Stream::new(&RuleSet::default());
        for i in 0..4 {
            assert!(s.observe("@a:x", i * 1000, "hi").is_empty(), "message {i}");
        }
        let f = s.observe("@a:x", 4000, "hi");
        assert_eq!(f.len(), 1);
        assert_eq!(&*f[0].rule, ids::FLOOD_SENDER);
        // Another sender is not affected; after the window the count restarts.
        assert!(s.observe("@b:x", 4000, "hi").is_empty());
        assert!(s.observe("@a:x", 30_000, "hi").is_empty());
    }

    #[test]
    fn repeated_text_across_senders() {
        let mut s = Stream::new(&RuleSet::default());
        let spam = "加微信领取免费资料啦";
        assert!(s.observe("@a:x", 0, spam).is_empty());
        assert!(s.observe("@b:x", 1000, "加 微 信 领取免费资料啦!").is_empty());
        let f = s.observe("@c:x", 2000, spam);
        assert_eq!(f.len(), 1);
        assert_eq!(&*f[0].rule, ids::FLOOD_REPEAT);
        // Short acknowledgements never count.
        for (i, who) in ["@a:x", "@b:x", "@c:x", "@d:x"].iter().enumerate() {
            assert!(s.observe(who, 100_000 + i as i64, "收到").is_empty());
        }
    }

    #[test]
    fn state_is_bounded_and_time_can_go_backwards() {
        let mut s = Stream::new(&RuleSet::default());
        for i in 0..5000i64 {
            s.observe(&format!("@u{i}:x"), i * 1000, "a long enough message text here");
        }
        let (senders, _) = s.tracked();
        assert!(senders < 1100, "old senders are swept: {senders}");
        assert!(s.observe("@z:x", -5, "x").is_empty());
    }
}
