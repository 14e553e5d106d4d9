//! Allow-lists the app's own commands: each gets a generated `allow-<command>` permission,
//! and only those granted in `capabilities/` can be invoked by the window.

/// Every IPC command the UI may call. Keep in step with `src/commands/` and `ui/src/lib/api/`.
const COMMANDS: &[&str] = &[
    "session_restore",
    "sign_in_password",
    "sign_in_token",
    "sign_out",
    "list_groups",
    "list_members",
    "list_messages",
    "list_rules",
    "reveal_message",
    "staff_status",
    "staff_inbox",
    "staff_act",
    "system_locale",
    "connection_status",
    "act",
    "list_cases",
    "recent_reasons",
    "remember_reason",
    "list_outbox",
    "cancel_outbox",
    "audit_verify",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
