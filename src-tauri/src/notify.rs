//! Desktop notifications for new high-severity items and for items that have waited too long
//! ([`crate::remind`]), through the desktop's notification service (`notify-rust`, D-Bus on
//! Linux). Each is shown from a thread of its own, and at most
//! a few at a time: a notification service that is missing, slow or stuck costs a log line,
//! never a round of following, a command or the window. Clicking one (where the desktop offers
//! actions) brings the window forward on the item: the window hears `queue-open`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use qunguan_core::Lang;
use qunguan_core::queue::QueueItem;
use tauri::{AppHandle, Emitter, Manager};

/// The event the window hears when a notification is clicked: the item's ID.
pub const QUEUE_OPEN: &str = "queue-open";
/// How long the service has to take a notification before the app stops waiting.
const SHOW_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a notification stays up.
const SHOWN_FOR_MS: u32 = 10_000;
/// Notifications on their way (or waiting for a click) at once; beyond it, new ones are dropped.
const MAX_IN_FLIGHT: usize = 4;
/// More new items than this in one round: one notification says how many.
const MAX_SINGLE: usize = 3;
/// The longest preview of a message's (masked) text.
const PREVIEW_CHARS: usize = 120;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Unix ms now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Note {
    summary: String,
    body: String,
    /// The item a click opens (none for a summary of several).
    item: Option<String>,
}

/// Why the app notifies of items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// New (or newly raised) high-severity items.
    High,
    /// Open items nobody holds that have waited this many minutes or more.
    Waiting {
        /// The admin's setting.
        minutes: u32,
    },
}

impl Why {
    /// The title of one item's notification.
    fn one(self, lang: Lang, group: &str) -> String {
        match (self, lang) {
            (Why::High, Lang::Zh) => format!("高风险 · {group}"),
            (Why::High, Lang::En) => format!("High severity · {group}"),
            (Why::Waiting { minutes }, Lang::Zh) => format!("等待超过 {minutes} 分钟 · {group}"),
            (Why::Waiting { minutes }, Lang::En) => format!("Waiting over {minutes} min · {group}"),
        }
    }

    /// The title of the one notification for `n` items.
    fn many(self, lang: Lang, n: usize) -> String {
        match (self, lang) {
            (Why::High, Lang::Zh) => format!("{n} 条高风险消息待处理"),
            (Why::High, Lang::En) => format!("{n} new high-severity items"),
            (Why::Waiting { minutes }, Lang::Zh) => format!("{n} 个条目等待超过 {minutes} 分钟"),
            (Why::Waiting { minutes }, Lang::En) => format!("{n} items waiting over {minutes} min"),
        }
    }
}

/// The notifications for `items` (open): one each, or one summary for many.
fn notes(items: &[QueueItem], why: Why, lang: Lang, names: &HashMap<String, String>) -> Vec<Note> {
    if items.len() > MAX_SINGLE {
        let summary = why.many(lang, items.len());
        let body = match lang {
            Lang::Zh => "打开群管控制台的待处理队列查看".to_owned(),
            Lang::En => "Open the queue in Qunguan to look at them".to_owned(),
        };
        return vec![Note { summary, body, item: None }];
    }
    items
        .iter()
        .map(|item| {
            let group = names.get(&item.group).map_or(item.group.as_str(), String::as_str);
            let summary = why.one(lang, group);
            // The masked runs: the notification never carries the personal data itself.
            let text: String = item.segments.iter().map(|s| s.text.as_str()).collect();
            let mut preview: String = text.chars().take(PREVIEW_CHARS).collect();
            if text.chars().count() > PREVIEW_CHARS {
                preview.push('…');
            }
            Note { summary, body: format!("{}: {preview}", item.sender), item: Some(item.id.clone()) }
        })
        .collect()
}

/// The groups' names by room ID, for the notifications' titles (none when they cannot be read:
/// the titles then name the room ID).
pub async fn group_names(engine: &qunguan_engine::Engine) -> HashMap<String, String> {
    match engine.groups().await {
        Ok(groups) => groups.into_iter().map(|g| (g.id, g.name)).collect(),
        Err(_) => HashMap::new(),
    }
}

/// Shows notifications for the items, without waiting for any of them.
pub fn items(app: &AppHandle, items: &[QueueItem], why: Why, lang: Lang, names: &HashMap<String, String>) {
    for note in notes(items, why, lang, names) {
        show(app.clone(), note, lang);
    }
}

fn show(app: AppHandle, note: Note, lang: Lang) {
    if IN_FLIGHT.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!("notification dropped: the notification service has not taken the earlier ones");
        return;
    }
    let (sent, answer) = mpsc::channel::<Result<(), String>>();
    let item = note.item.clone();
    let spawned = std::thread::Builder::new().name("notify".into()).spawn(move || {
        let open = match lang {
            Lang::Zh => "查看",
            Lang::En => "Open",
        };
        let mut n = notify_rust::Notification::new();
        n.appname("Qunguan")
            .summary(&note.summary)
            .body(&note.body)
            .timeout(notify_rust::Timeout::Milliseconds(SHOWN_FOR_MS));
        if note.item.is_some() {
            n.action("default", open);
        }
        match n.show() {
            Ok(handle) => {
                let _ = sent.send(Ok(()));
                if let Some(id) = note.item {
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            open_item(&app, &id);
                        }
                    });
                }
            }
            Err(e) => {
                let _ = sent.send(Err(e.to_string()));
            }
        }
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    });
    if spawned.is_err() {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!("notification not shown: no thread for it");
        return;
    }
    // The wait for the service's answer is itself off every other path.
    let _ =
        std::thread::Builder::new().name("notify-wait".into()).spawn(move || match answer.recv_timeout(SHOW_TIMEOUT) {
            Ok(Ok(())) => tracing::info!(item = item.as_deref().unwrap_or("-"), "notification shown"),
            Ok(Err(e)) => tracing::warn!(error = %e, "notification not shown"),
            Err(_) => tracing::warn!(timeout_s = SHOW_TIMEOUT.as_secs(), "the notification service did not answer"),
        });
}

/// A click on a notification: the window comes forward and opens the item.
fn open_item(app: &AppHandle, id: &str) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Err(e) = app.emit(QUEUE_OPEN, id) {
        tracing::warn!(error = %e, "the window was not told to open the item");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qunguan_core::message::{Segment, Severity};

    fn item(id: &str, text: &str) -> QueueItem {
        QueueItem {
            id: id.into(),
            group: "!g:hs".into(),
            sender: "@m:hs".into(),
            severity: Severity::High,
            segments: vec![Segment { text: text.into(), flag: None, masked: true }],
            ..QueueItem::default()
        }
    }

    #[test]
    fn a_few_items_each_get_a_notification_naming_the_group_and_many_get_one() {
        let names: HashMap<String, String> = [("!g:hs".to_owned(), "技术交流群".to_owned())].into();
        let one = notes(&[item("a1", "身份证 110105********002X")], Why::High, Lang::Zh, &names);
        assert_eq!(
            one,
            [Note {
                summary: "高风险 · 技术交流群".into(),
                body: "@m:hs: 身份证 110105********002X".into(),
                item: Some("a1".into())
            }]
        );
        let long = "x".repeat(500);
        let cut = &notes(&[item("a2", &long)], Why::High, Lang::En, &HashMap::new())[0];
        assert_eq!(cut.summary, "High severity · !g:hs", "an unknown group by its ID");
        assert_eq!(cut.body.chars().count(), "@m:hs: ".len() + PREVIEW_CHARS + 1, "the preview is cut");
        let many: Vec<QueueItem> = (0..5).map(|i| item(&format!("i{i}"), "t")).collect();
        let summary = notes(&many, Why::High, Lang::En, &names);
        assert_eq!(summary.len(), 1);
        assert_eq!(summary[0].summary, "5 new high-severity items");
        assert_eq!(summary[0].item, None, "a summary opens no one item");
    }

    #[test]
    fn waiting_items_say_how_long_and_open_their_item_and_many_get_one() {
        let names: HashMap<String, String> = [("!g:hs".to_owned(), "技术交流群".to_owned())].into();
        let why = Why::Waiting { minutes: 60 };
        let three: Vec<QueueItem> = (0..3).map(|i| item(&format!("w{i}"), "加微信 138****5678")).collect();
        let each = notes(&three, why, Lang::Zh, &names);
        assert_eq!(each.len(), 3, "a few: one each");
        assert_eq!(each[0].summary, "等待超过 60 分钟 · 技术交流群");
        assert_eq!(each[0].body, "@m:hs: 加微信 138****5678", "the masked text");
        assert_eq!(each[0].item.as_deref(), Some("w0"), "a click opens it");
        let many: Vec<QueueItem> = (0..4).map(|i| item(&format!("w{i}"), "t")).collect();
        let summary = notes(&many, why, Lang::En, &names);
        assert_eq!(summary.len(), 1, "crossing the line together: one notification");
        assert_eq!(summary[0].summary, "4 items waiting over 60 min");
        assert_eq!(summary[0].body, "Open the queue in Qunguan to look at them");
    }
}
