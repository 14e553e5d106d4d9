//! Platform-staff mode: the report inbox and the platform-level measures of a server admin.
//!
//! ## Design
//! - **Measures are cases.** Suspending, unsuspending and deactivating an account, closing a
//!   group and resolving a report go through [`Engine::act`] like every moderation action: the
//!   decision is written to the hash-chained case log together with its outbox entry before
//!   any network call, signed by the acting admin, carried out idempotently by the adapter and
//!   replayed from the outbox when the server was away. They are about no group the admin
//!   manages, so their cases form one chain of their own, [`STAFF_CHAIN`](crate::staff::STAFF_CHAIN) (beside
//!   `platform`, the chain of reports a group admin sends up).
//! - **Resolving a report is a case, not a plain call.** Deleting a report removes the
//!   platform's only copy of it; whoever dismisses reports answers for it as much as whoever
//!   acts on them (谁管理谁负责). The report's ID (`event:12`) is the case's target. Because
//!   `docs/cli.md` lists `qg staff resolve REPORT` without a reason, the reason is optional there
//!   and the case then says [`RESOLVED_WITHOUT_REASON`](crate::staff::RESOLVED_WITHOUT_REASON) rather than inventing one.
//! - **Who may** is asked of the platform (is this account a server admin?) right before each
//!   attempt, the first and every retry, as group actions re-read power levels. Not a server
//!   admin → a refused case (`qg` exit 4) whose detail says so. Reading the inbox is no
//!   decision: there a non-admin gets a `forbidden` error and nothing is recorded.
//! - **Typos record nothing.** When the account is a server admin, the target is checked
//!   before deciding: an account of this server that exists, a room the server knows (an alias
//!   is resolved to its room ID first, so the case names the room), a report in the inbox.
//!   An unknown one is `not_found` (or `invalid_input` for another server's account).
//! - Report contents are personal data: this module logs none of them.

use qunguan_core::action::{Action, ActionOutcome, PlatformOp};
use qunguan_core::platform::Platform;
use qunguan_core::staff::{ReportRef, StaffReport};
use qunguan_core::{Account, ApiError, ErrorCode, Result};

use crate::Engine;
use crate::act::ActRequest;
use crate::cache::is_offline;

/// The case-log chain of platform-staff measures.
pub const STAFF_CHAIN: &str = "staff";

/// The reason a resolve case records when none was given.
pub const RESOLVED_WITHOUT_REASON: &str = "resolved (no reason given)";

/// One staff measure as asked for by the app or `qg`.
#[derive(Debug, Clone)]
pub struct StaffRequest {
    /// One of the `Action::Staff*` measures.
    pub action: Action,
    /// Why, in the staff member's words.
    pub reason: String,
    /// A platform rule (terms of service clause) the measure cites.
    pub rule: Option<String>,
}

fn not_staff_text(account: &Account) -> String {
    format!(
        "{} is not a server admin of {}: platform-staff measures and the report inbox need a server admin account \
         (or the homeserver does not expose its admin API to this console)",
        account.user_id, account.homeserver
    )
}

/// Checks what can be checked without the network; the report of a resolve is parsed.
fn check_syntax(action: &Action) -> Result<()> {
    match action {
        Action::StaffClose { room } if room.trim().is_empty() => Err(ApiError::invalid_input("which group to close?")),
        Action::StaffResolve { report } => report.parse::<ReportRef>().map(drop),
        a if !a.is_staff() => Err(ApiError::invalid_input(format!("{} is not a platform-staff measure", a.name()))),
        _ => Ok(()),
    }
}

impl Engine {
    /// Is the signed-in account platform staff (a server admin)? The app shows staff mode when so.
    pub async fn staff_status(&self) -> Result<bool> {
        let (_, platform) = self.platform().await?;
        platform.is_staff().await
    }

    /// The staff inbox: event and user reports, newest first, the reported text and the
    /// reporters' reasons with their personal data masked (as the Messages tab masks it).
    /// Not a server admin → `forbidden`.
    pub async fn staff_reports(&self) -> Result<Vec<StaffReport>> {
        let reports = self.staff_reports_unmasked().await?;
        crate::messages::mask_reports(reports).await
    }

    /// The reports as the platform gave them: only for scanning, never for output.
    pub(crate) async fn staff_reports_unmasked(&self) -> Result<Vec<StaffReport>> {
        let (account, platform) = self.platform().await?;
        if !platform.is_staff().await? {
            return Err(ApiError::new(ErrorCode::Forbidden, not_staff_text(&account)));
        }
        platform.staff_reports().await
    }

    /// The platform's reports of messages in `groups`, as queue reports, for a server admin
    /// (the only ones who see them; the caller asked). Reports by the same reporter of the
    /// same message are one (the store's key), so reading them every round doubles nothing.
    pub(crate) async fn platform_reports(&self, groups: &[String]) -> Result<Vec<qunguan_store::NewReport>> {
        let (_, platform) = self.platform().await?;
        Ok(platform
            .staff_reports()
            .await?
            .into_iter()
            .filter_map(|r| {
                let (group, event_id) = (r.group?, r.event_id?);
                groups.contains(&group).then(|| qunguan_store::NewReport {
                    group_id: group,
                    event_id,
                    reporter: r.reporter,
                    via: qunguan_core::queue::ReportVia::Platform,
                    reason: r.reason,
                    at_ms: qunguan_core::time::millis_from_rfc3339(&r.received_at).unwrap_or(0),
                })
            })
            .collect())
    }

    /// Decides and carries out one staff measure (a case, like [`Engine::act`]).
    pub async fn staff_act(&self, req: StaffRequest) -> Result<ActionOutcome> {
        check_syntax(&req.action)?;
        self.check_ids("", &req.action)?;
        let mut reason = req.reason.trim().to_owned();
        if reason.is_empty() {
            if !matches!(req.action, Action::StaffResolve { .. }) {
                return Err(ApiError::invalid_input("a reason is required"));
            }
            reason = RESOLVED_WITHOUT_REASON.to_owned();
        }
        let (_, platform) = self.platform().await?;
        let action = match req.action {
            Action::StaffClose { room } => Action::StaffClose { room: platform.group_id(&room).await? },
            Action::StaffResolve { report } => {
                Action::StaffResolve { report: report.parse::<ReportRef>()?.to_string() }
            }
            other => other,
        };
        // Only a server admin can look targets up; for anyone else the decision is recorded
        // and refused below, and while the server is away it is queued.
        match platform.is_staff().await {
            Ok(true) => match check_target(platform.as_ref(), &action).await {
                Err(e) if is_offline(&e) => {}
                other => other?,
            },
            Ok(false) => {}
            Err(e) if is_offline(&e) => {}
            Err(e) => return Err(e),
        }
        self.act(ActRequest { group: String::new(), action, reason, rule: req.rule, lang: qunguan_core::Lang::En })
            .await
    }

    /// The operations that carry out a staff measure, or the refusal when I am not staff now.
    pub(crate) async fn staff_ops(
        &self,
        platform: &dyn Platform,
        account: &Account,
        action: &Action,
        reason: &str,
    ) -> Result<std::result::Result<Vec<PlatformOp>, String>> {
        if !platform.is_staff().await? {
            return Ok(Err(not_staff_text(account)));
        }
        Ok(Ok(match action {
            Action::StaffSuspend { user } => vec![PlatformOp::SuspendUser { user: user.clone(), suspend: true }],
            Action::StaffUnsuspend { user } => vec![PlatformOp::SuspendUser { user: user.clone(), suspend: false }],
            Action::StaffDeactivate { user } => vec![PlatformOp::DeactivateUser { user: user.clone() }],
            Action::StaffClose { room } => vec![
                PlatformOp::BlockRoom { room: room.clone() },
                PlatformOp::DeleteRoom { room: room.clone(), message: reason.to_owned() },
            ],
            Action::StaffResolve { report } => vec![PlatformOp::ResolveReport { report: report.parse()? }],
            other => return Err(ApiError::internal(format!("{} is not a platform-staff measure", other.name()))),
        }))
    }
}

/// The measure's target exists (checked by a server admin before deciding).
async fn check_target(platform: &dyn Platform, action: &Action) -> Result<()> {
    let (exists, missing) = match action {
        Action::StaffSuspend { user } | Action::StaffUnsuspend { user } | Action::StaffDeactivate { user } => {
            (platform.staff_user_exists(user).await?, format!("there is no account {user} on this server"))
        }
        Action::StaffClose { room } => (
            platform.staff_room_exists(room).await?,
            format!("the server knows no room {room} (already closed and purged?)"),
        ),
        Action::StaffResolve { report } => (
            platform.staff_report_exists(report.parse()?).await?,
            format!("there is no report {report} (already resolved?)"),
        ),
        _ => return Ok(()),
    };
    if exists { Ok(()) } else { Err(ApiError::new(ErrorCode::NotFound, missing)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_and_ids_are_checked_before_the_network() {
        let table: &[(Action, bool)] = &[
            (Action::StaffSuspend { user: "@a:hs".into() }, true),
            (Action::StaffSuspend { user: "alice".into() }, false),
            (Action::StaffDeactivate { user: "@alice".into() }, false),
            (Action::StaffUnsuspend { user: "@a:bad_host!".into() }, false),
            (Action::StaffClose { room: "#g:hs".into() }, true),
            (Action::StaffClose { room: " ".into() }, false),
            (Action::StaffResolve { report: "event:1".into() }, true),
            (Action::StaffResolve { report: "1".into() }, false),
            (Action::Kick { user: "@a:hs".into() }, false),
        ];
        for (action, ok) in table {
            let connector = qunguan_matrix::MatrixConnector::default();
            let got = check_syntax(action).and_then(|()| crate::act::check_ids(&connector, "", action));
            assert_eq!(got.is_ok(), *ok, "{action:?}: {got:?}");
            if let Err(e) = got {
                assert_eq!(e.code, ErrorCode::InvalidInput, "{action:?}");
            }
        }
    }
}
