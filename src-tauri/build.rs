//! Allow-lists the app's own commands: each gets a generated `allow-<command>` permission,
//! and only those granted in `capabilities/` can be invoked by the window.

/// Every IPC command the UI may call: the same list as `generate_handler!` in `src/main.rs`,
/// the grants in `capabilities/` and the calls in `ui/src/lib/api/` (`src/allow_list.rs` checks).
const COMMANDS: &[&str] = &[
    "session_restore",
    "sign_in_password",
    "sign_in_token",
    "sign_out",
    "list_groups",
    "list_members",
    "case_log_warning",
    "list_messages",
    "list_rules",
    "reveal_message",
    "search_messages",
    "staff_status",
    "staff_inbox",
    "staff_act",
    "system_locale",
    "connection_status",
    "act",
    "warning_preview",
    "list_cases",
    "recent_reasons",
    "remember_reason",
    "list_outbox",
    "cancel_outbox",
    "audit_verify",
    "list_queue",
    "queue_item",
    "claim_item",
    "release_item",
    "dismiss_item",
    "follow_status",
    "set_notify_prefs",
    "act_on_item",
    "set_group_rules",
    "group_compliance",
    "admin_records",
    "credit",
    "credit_everywhere",
    "action_preview",
    "credit_policy",
    "set_credit_policy",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
