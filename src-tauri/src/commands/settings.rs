//! Settings: the OS locale the UI starts in.

/// The OS locale as a BCP 47 tag (e.g. `zh-CN`), `en-US` when unknown.
#[tauri::command]
pub fn system_locale() -> String {
    sys_locale::get_locale().unwrap_or_else(|| "en-US".to_owned())
}
