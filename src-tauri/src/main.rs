//! Qunguan desktop app: a thin Tauri shell. All behaviour lives in `qunguan-engine`; the
//! commands in [`commands`] are one-liners over it, and errors cross IPC as `{code, message}`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod allow_list;
mod commands;
mod due;
mod follow;
mod notify;
mod remind;
mod state;

fn main() {
    // SAFETY: first thing in `main`: no thread exists yet (not the logger's, not WebKit's).
    let env = unsafe { qunguan_engine::EnvOverride::take_from_env() };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("QG_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let state = match state::AppState::new(env) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qunguan: cannot start: {} ({})", e.message, e.code.as_str());
            std::process::exit(1);
        }
    };
    tauri::Builder::default()
        .manage(state)
        .setup(|app| {
            due::spawn(app.handle().clone());
            follow::spawn(app.handle().clone());
            remind::spawn(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::session_restore,
            commands::session::sign_in_password,
            commands::session::sign_in_token,
            commands::session::sign_out,
            commands::groups::list_groups,
            commands::groups::list_members,
            commands::groups::case_log_warning,
            commands::messages::list_messages,
            commands::messages::list_rules,
            commands::messages::reveal_message,
            commands::messages::search_messages,
            commands::staff::staff_status,
            commands::staff::staff_inbox,
            commands::staff::staff_act,
            commands::settings::system_locale,
            commands::session::connection_status,
            commands::cases::act,
            commands::cases::warning_preview,
            commands::cases::list_cases,
            commands::cases::recent_reasons,
            commands::cases::remember_reason,
            commands::cases::list_outbox,
            commands::cases::cancel_outbox,
            commands::cases::audit_verify,
            commands::queue::list_queue,
            commands::queue::queue_item,
            commands::queue::claim_item,
            commands::queue::release_item,
            commands::queue::dismiss_item,
            commands::queue::follow_status,
            commands::queue::set_notify_prefs,
            commands::queue::act_on_item,
            commands::stewardship::set_group_rules,
            commands::stewardship::group_compliance,
            commands::stewardship::admin_records,
            commands::credit::credit,
            commands::credit::credit_everywhere,
            commands::credit::action_preview,
            commands::credit::credit_policy,
            commands::credit::set_credit_policy,
        ])
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed");
}
