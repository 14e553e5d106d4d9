//! The app in its real window, driven through `tauri-driver` (WebKitWebDriver) against the demo
//! world on a real Synapse.
//!
//! Needs: `tauri-driver` and `WebKitWebDriver` on `PATH`, `QG_APP_BINARY` naming an app built with
//! the `custom-protocol` feature (`tauri build --debug --no-bundle` does), an X display (Xvfb) and a
//! D-Bus session with a Secret Service (gnome-keyring). `cargo xtask test` provides all of that;
//! by hand:
//!
//! ```text
//! QG_APP_BINARY=$PWD/target/debug/qunguan-app WEBKIT_DISABLE_COMPOSITING_MODE=1 \
//!   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
//!   sh -c 'printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets & \
//!          cargo test -p qunguan-tests --test gui -- --test-threads=1'
//! ```
//!
//! Nothing here skips: a missing piece is a failure that says what to install or set. The
//! harness (the window, its WebDriver session, the screenshots, the helpers) is
//! `qunguan_tests::gui`.
//!
//! The UI's hooks are the `data-testid`s listed in `ui/TESTIDS.md`; data attributes carry raw
//! values (IDs, roles, counts), so only the assertions about translations read text.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fantoccini::key::Key;
use qunguan_testkit::client::Client as MatrixClient;
use qunguan_tests::gui::{attr, attrs, free_port, gui_test, open_tech_as_owner, pick, plain_member, press, world};
use qunguan_tests::{check_eq, require_keyring};

#[test]
fn owner_signs_in_sees_managed_groups_with_roles_and_the_big_group_members() {
    require_keyring();
    let (synapse, world) = world();
    gui_test("owner_signs_in", "en_US.UTF-8", async |app| {
        app.sign_in(&synapse.base_url, &world.owner.user_id, &world.owner.password).await?;
        app.wait("[data-testid=group-row]", 90, "the groups list after signing in").await?;
        app.shot("groups").await?;

        // Exactly the four managed groups, each with the owner's role there.
        let ids = attrs(app, "[data-testid=group-row]", "data-group-id").await?;
        let roles = attrs(app, "[data-testid=group-row]", "data-role").await?;
        let shown: BTreeMap<String, String> = ids.into_iter().zip(roles).collect();
        let expected: BTreeMap<String, String> =
            world.groups.iter().map(|g| (g.room_id.clone(), g.owner_role.clone())).collect();
        check_eq!(shown, expected, "the groups list shows every managed group with my role, and nothing else");
        ensure!(!shown.contains_key(&world.plain_room.room_id), "the room where I am a plain member is not listed");
        ensure!(!shown.contains_key(&world.direct_room), "the direct chat is not listed");
        check_eq!(attr(app, "[data-testid=groups-count]", "data-count").await?, expected.len().to_string());
        let status = app.text("[data-testid=status-user]").await?;
        ensure!(status.contains(&world.owner.user_id), "the status bar names the signed-in account: {status:?}");
        let title = app.text("[data-testid=groups-screen] .pane-title").await?;
        check_eq!(title, "Groups I manage", "LANG=en_US gives the English UI");

        // Open the big group: select its row, then the card's Open button.
        let tech = world.group("tech");
        let row = app.find(&format!("[data-testid=group-row][data-group-id='{}']", tech.room_id)).await?;
        let listed = row.find(Locator::Css("[data-testid=group-members]")).await?.attr("data-count").await?;
        check_eq!(listed.as_deref(), Some(tech.members.to_string().as_str()), "member count of {}", tech.name);
        row.click().await?;
        app.wait(&format!("[data-testid=group-card][data-group-id='{}']", tech.room_id), 5, "the group card").await?;
        app.find("[data-testid=group-open]").await?.click().await?;
        app.wait("[data-testid=member-row]", 90, "the members of the big group").await?;
        check_eq!(app.text("[data-testid=group-title]").await?, tech.name);
        check_eq!(attr(app, "[data-testid=group-my-role]", "data-role").await?, "owner");
        app.shot("members").await?;

        // All members are there, but only the rows in view are in the DOM (virtualised).
        let total: usize = attr(app, "[data-testid=members-count]", "data-total").await?.parse()?;
        ensure!(total >= tech.members, "all {} joined members listed, got {total}", tech.members);
        let rendered = app.all("[data-testid=member-row]").await?.len();
        ensure!(rendered > 5 && rendered < 80, "a virtual list renders only the visible rows, rendered {rendered}");

        // Roles: one owner (the creator), two admins, one moderator; the rest are members.
        let count = async |role: &str| -> Result<usize> {
            Ok(attr(app, &format!("[data-testid=role-filter-{role}]"), "data-count").await?.parse()?)
        };
        check_eq!(count("owner").await?, 1, "the creator is the one owner");
        check_eq!(count("admin").await?, 2, "two admins at 100");
        check_eq!(count("moderator").await?, 1, "one moderator at 50");
        check_eq!(count("member").await?, total - 4, "everyone else is a member");

        app.find("[data-testid=role-filter-admin]").await?.click().await?;
        app.until(
            "return document.querySelector('[data-testid=members-count]').dataset.shown === '2'",
            5,
            "the admin filter",
        )
        .await?;
        let admins: Vec<String> = attrs(app, "[data-testid=member-row]", "data-user-id").await?;
        let mut expected_admins: Vec<String> = world.admins.iter().map(|a| a.user_id.clone()).collect();
        let mut admins_sorted = admins.clone();
        admins_sorted.sort();
        expected_admins.sort();
        check_eq!(admins_sorted, expected_admins, "the admin filter lists the two admins");
        ensure!(attrs(app, "[data-testid=member-row]", "data-role").await?.iter().all(|r| r == "admin"));
        app.find("[data-testid=role-filter-owner]").await?.click().await?;
        app.until(
            "return document.querySelector('[data-testid=members-count]').dataset.shown === '1'",
            5,
            "the owner filter",
        )
        .await?;
        check_eq!(attrs(app, "[data-testid=member-row]", "data-user-id").await?, vec![world.owner.user_id.clone()]);

        // Search by Matrix ID finds the moderator; selecting shows the card.
        app.find("[data-testid=role-filter-all]").await?.click().await?;
        let search = app.find("[data-testid=member-search]").await?;
        search.send_keys(&world.moderator.user_id).await?;
        let row = app
            .wait(
                &format!("[data-testid=member-row][data-user-id='{}']", world.moderator.user_id),
                5,
                "the moderator found by search",
            )
            .await?;
        check_eq!(row.attr("data-role").await?.as_deref(), Some("moderator"));
        row.click().await?;
        let card = app.wait("[data-testid=member-card]", 5, "the member card").await?;
        check_eq!(card.attr("data-role").await?.as_deref(), Some("moderator"));
        let card_text = card.text().await?;
        ensure!(card_text.contains(&world.moderator.display_name), "the card shows the display name: {card_text:?}");
        app.shot("moderator-card").await?;
        let status = app.text("[data-testid=status-user]").await?;
        ensure!(status.contains("(Owner)"), "inside a group the status bar shows my role there: {status:?}");

        // Muted members carry the chip.
        let muted = tech.muted.first().context("the demo mutes someone in tech")?;
        let search = app.find("[data-testid=member-search]").await?;
        search.clear().await?;
        search.send_keys(muted).await?;
        let row = app
            .wait(&format!("[data-testid=member-row][data-user-id='{muted}']"), 5, "a muted member found by search")
            .await?;
        ensure!(row.find(Locator::Css("[data-testid=member-muted]")).await.is_ok(), "{muted} shows the muted chip");
        Ok(())
    });
}

#[test]
fn owner_removes_a_flagged_message_from_the_messages_tab() {
    require_keyring();
    let (synapse, world) = world();
    gui_test("remove_from_message", "en_US.UTF-8", async |app| {
        let tech = world.group("tech");
        let owner = MatrixClient::new(&synapse.base_url, &world.owner.access_token);
        // A plain member the other GUI tests do not act on (they take the first two).
        let sender = plain_member(synapse, world, 2).await?;
        let member = MatrixClient::new(&synapse.base_url, &sender.access_token);
        let nonce = std::process::id();
        let body = format!("来玩百家乐，稳赚不赔 {nonce}！加我电话 13812345678");
        let event_id = member.send_text(&tech.room_id, &body).await?;
        let plain_id = member.send_text(&tech.room_id, &format!("大家早上好 {nonce}")).await?;

        open_tech_as_owner(app, synapse, world).await?;
        app.find("[data-testid=tab-messages]").await?.click().await?;
        let row_css = format!("[data-testid=message-row][data-event-id='{event_id}']");
        let row = app.wait(&row_css, 60, "the flagged message in the Messages tab").await?;
        check_eq!(row.attr("data-severity").await?.as_deref(), Some("high"), "a gambling term is high severity");
        let plain_css = format!("[data-testid=message-row][data-event-id='{plain_id}']");
        check_eq!(attr(app, &plain_css, "data-severity").await?, "", "a greeting is not flagged");

        // The phone number is masked on screen; the text is text.
        let shown = app.text(&format!("{row_css} [data-testid=message-text]")).await?;
        ensure!(shown.contains("138****5678"), "the mobile number is masked in the row: {shown:?}");
        ensure!(!shown.contains("13812345678"), "the full number never reaches the screen: {shown:?}");
        // Flagged only: the greeting goes, the flagged message stays.
        app.find("[data-testid=messages-filter-flagged]").await?.click().await?;
        app.until(
            &format!("return !document.querySelector({})", serde_json::to_string(&plain_css)?),
            5,
            "the greeting hidden under Flagged",
        )
        .await?;
        app.wait(&row_css, 5, "the flagged message under Flagged").await?.click().await?;
        let card =
            app.wait(&format!("[data-testid=message-card][data-event-id='{event_id}']"), 5, "the message card").await?;
        let rules = attrs(app, "[data-testid=message-finding]", "data-rule").await?;
        ensure!(rules.contains(&"kw.gambling".to_owned()), "the card names the rule: {rules:?}");
        ensure!(rules.contains(&"pii.cn_mobile".to_owned()), "and the phone number: {rules:?}");
        let card_text = card.text().await?;
        ensure!(!card_text.contains("13812345678"), "masked in the card too: {card_text:?}");
        // In context: the greeting sent right after it (hidden from the Flagged list, not from the context).
        app.wait(&format!("[data-testid=context-after][data-event-id='{plain_id}']"), 5, "the next message in context")
            .await?;
        ensure!(!app.all("[data-testid=context-before]").await?.is_empty(), "and the messages before it");
        app.wait("[data-testid=message-actions] [data-testid=action-remove]", 5, "Remove on the card").await?;
        app.shot("message-card").await?;

        // Showing the number is deliberate: a reason, then a `reveal` case, then the digits.
        app.find("[data-testid=reveal-open]").await?.click().await?;
        let why_box = app.wait("[data-testid=reveal-reason]", 5, "the reveal reason").await?;
        ensure!(!app.find("[data-testid=reveal-confirm]").await?.is_enabled().await?, "no reveal without a reason");
        why_box.send_keys(&format!("GUI test: checking the number {nonce}")).await?;
        why_box.send_keys(&Key::Enter).await?;
        let revealed = app.wait("[data-testid=reveal-case]", 30, "the reveal recorded").await?;
        let reveal_case = revealed.attr("data-case-id").await?.context("reveal without a case")?;
        let full = app.text("[data-testid=message-full-text]").await?;
        ensure!(full.contains("13812345678"), "the number shown after the reveal: {full:?}");
        let row_text = app.text(&format!("{row_css} [data-testid=message-text]")).await?;
        ensure!(!row_text.contains("13812345678"), "still masked in the list: {row_text:?}");
        app.shot("revealed").await?;

        // e: escalate to the platform first (the server admins see the report), then close its toast.
        press(app, 'e').await?;
        app.wait("[data-testid=action-dialog][data-action=report]", 5, "the escalate dialog after `e`").await?;
        check_eq!(attr(app, "[data-testid=action-message]", "data-event-id").await?, event_id);
        let report_reason = format!("GUI test: escalated 上报 {nonce}");
        let reason_box = app.find("[data-testid=action-reason]").await?;
        reason_box.send_keys(&report_reason).await?;
        reason_box.send_keys(&Key::Enter).await?;
        let toast = app.wait("[data-testid=toast][data-status=done]", 60, "the escalation done").await?;
        let report_case = toast.attr("data-case-id").await?.context("toast without a case ID")?;
        app.find("[data-testid=toast-close]").await?.click().await?;
        let staff = synapse.register(&format!("gui-staff-{nonce}"), "staff-password", true).await?;
        let reports = MatrixClient::new(&synapse.base_url, &staff.access_token)
            .raw(
                reqwest::Method::GET,
                &format!(
                    "/_synapse/admin/v1/event_reports?limit=100&room_id={}",
                    qunguan_testkit::client::encode(&tech.room_id)
                ),
                None,
            )
            .await?;
        let report = reports["event_reports"]
            .as_array()
            .and_then(|l| l.iter().find(|r| r["event_id"] == event_id.as_str()).cloned())
            .with_context(|| format!("the report in the admin API: {reports}"))?;
        check_eq!(report["user_id"].as_str(), Some(world.owner.user_id.as_str()), "reported by the owner");
        ensure!(
            report["reason"].as_str().is_some_and(|r| r.contains(&report_reason) && r.contains(&report_case)),
            "the report carries the reason and the case: {report}"
        );

        // r: remove, the rule preselected from the finding, a reason, Enter.
        press(app, 'r').await?;
        app.wait("[data-testid=action-dialog][data-action=remove]", 5, "the remove dialog after `r`").await?;
        check_eq!(attr(app, "[data-testid=action-message]", "data-event-id").await?, event_id);
        check_eq!(attr(app, "[data-testid=action-target]", "data-user-id").await?, sender.user_id);
        app.until(
            "return document.querySelector('[data-testid=action-rule]').value === 'kw.gambling'",
            10,
            "the most severe finding's rule preselected",
        )
        .await?;
        let reason = format!("GUI test: gambling ad 赌博广告 {nonce}");
        let reason_box = app.find("[data-testid=action-reason]").await?;
        reason_box.send_keys(&reason).await?;
        app.shot("remove-dialog").await?;
        reason_box.send_keys(&Key::Enter).await?;
        let toast = app.wait("[data-testid=toast]", 60, "the outcome toast").await?;
        check_eq!(toast.attr("data-status").await?.as_deref(), Some("done"), "the removal is done");
        let case_id = toast.attr("data-case-id").await?.context("toast without a case ID")?;

        // Synapse: the event is redacted, with the case in the reason.
        let events = owner.messages(&tech.room_id, 50).await?;
        let event = events.iter().find(|e| e["event_id"] == event_id.as_str()).context("the event on the server")?;
        ensure!(event["content"].as_object().is_some_and(|c| c.is_empty()), "the content is gone: {event}");
        let because = &event["unsigned"]["redacted_because"];
        ensure!(
            because["content"]["reason"].as_str().is_some_and(|r| r.contains(&case_id)),
            "the redaction carries the case ID: {because}"
        );

        // The list reloads: nothing is flagged in a removed message, so it leaves Flagged; under All it shows as
        // removed. The case cites the rule.
        app.until(
            &format!("return !document.querySelector({})", serde_json::to_string(&row_css)?),
            30,
            "the removed message gone from Flagged",
        )
        .await?;
        app.find("[data-testid=messages-filter-all]").await?.click().await?;
        app.wait(&format!("{row_css}[data-redacted=true]"), 30, "the row marked removed").await?;
        app.shot("message-removed").await?;
        app.find("[data-testid=tab-cases]").await?.click().await?;
        let case_css = format!("[data-testid=cases] [data-testid=case-row][data-case-id='{case_id}']");
        let case = app.wait(&case_css, 30, "the case in the Cases tab").await?;
        check_eq!(case.attr("data-action").await?.as_deref(), Some("remove"));
        case.click().await?;
        let detail = app.wait(&format!("[data-testid=case-detail][data-case-id='{case_id}']"), 5, "the case").await?;
        let detail_text = detail.text().await?;
        ensure!(detail_text.contains("kw.gambling"), "the case cites the rule: {detail_text:?}");

        let reveal_row = format!("[data-testid=cases] [data-testid=case-row][data-case-id='{reveal_case}']");
        check_eq!(attr(app, &reveal_row, "data-action").await?, "reveal", "the look is on the record");

        // The Rules tab lists the rule set.
        app.find("[data-testid=tab-rules]").await?.click().await?;
        app.wait("[data-testid=rule-row][data-rule='kw.gambling']", 10, "the rules").await?;
        ensure!(app.all("[data-testid=rule-row]").await?.len() >= 10, "the whole built-in rule set");
        app.shot("rules").await?;
        Ok(())
    });
}

#[test]
fn platform_staff_resolve_a_report_from_the_inbox() {
    require_keyring();
    let (synapse, world) = world();
    gui_test("staff_inbox", "en_US.UTF-8", async |app| {
        let tech = world.group("tech");
        let nonce = std::process::id();
        // A member leaks someone's phone number; the owner reports it; a server admin of our own signs in.
        let owner = MatrixClient::new(&synapse.base_url, &world.owner.access_token);
        let sender = plain_member(synapse, world, 3).await?;
        let event_id = MatrixClient::new(&synapse.base_url, &sender.access_token)
            .send_text(&tech.room_id, &format!("他的电话是 13987654321，大家去骂他 {nonce}"))
            .await?;
        owner.report_event(&tech.room_id, &event_id, &format!("doxxing 人肉 {nonce}")).await?;
        let staff = synapse.register(&format!("gui-inbox-{nonce}"), "staff-password", true).await?;

        app.sign_in(&synapse.base_url, &staff.user_id, "staff-password").await?;
        app.wait("[data-testid=nav-reports]", 90, "the Reports entry for a server admin").await?.click().await?;
        let row_css = format!("[data-testid=report-row][data-event-id='{event_id}']");
        app.wait(&row_css, 60, "the report in the inbox").await?.click().await?;
        let card = app.wait("[data-testid=report-card]", 5, "the report card").await?;
        let text = app.text("[data-testid=report-text]").await?;
        ensure!(text.contains("139****4321"), "the reported text, masked: {text:?}");
        ensure!(!text.contains("13987654321"), "never the full number: {text:?}");
        let card_text = card.text().await?;
        ensure!(card_text.contains(&sender.user_id), "the reported account: {card_text:?}");
        let mine = attr(app, &row_css, "data-report-id").await?;
        app.shot("report").await?;

        // Resolve it: the dialog, a reason, Enter, a case, and the report leaves the inbox.
        app.find("[data-testid=staff-resolve]").await?.click().await?;
        app.wait("[data-testid=staff-dialog][data-measure=resolve]", 5, "the resolve dialog").await?;
        let reason_box = app.find("[data-testid=staff-reason]").await?;
        reason_box.send_keys(&format!("handled {nonce}")).await?;
        app.shot("resolve-dialog").await?;
        reason_box.send_keys(&Key::Enter).await?;
        let toast = app.wait("[data-testid=toast][data-status=done]", 60, "the resolution done").await?;
        ensure!(toast.attr("data-case-id").await?.is_some_and(|c| !c.is_empty()), "a case for the measure");
        app.until(
            &format!(
                "return !document.querySelector({})",
                serde_json::to_string(&format!("[data-testid=report-row][data-report-id='{mine}']"))?
            ),
            30,
            "the resolved report gone from the inbox",
        )
        .await?;
        let id: u64 = mine.trim_start_matches("event:").parse()?;
        let admin = MatrixClient::new(&synapse.base_url, &staff.access_token);
        let gone = admin.raw(reqwest::Method::GET, &format!("/_synapse/admin/v1/event_reports/{id}"), None).await;
        ensure!(gone.is_err(), "Synapse no longer has report {id}: {gone:?}");
        app.shot("resolved").await?;
        Ok(())
    });
}

#[test]
fn owner_mutes_a_member_from_the_member_list_and_sees_the_case() {
    require_keyring();
    let (synapse, world) = world();
    gui_test("owner_mutes_a_member", "en_US.UTF-8", async |app| {
        let tech = world.group("tech");
        let owner = MatrixClient::new(&synapse.base_url, &world.owner.access_token);
        // A plain member of 技术交流群: joined, no power of their own, not muted already.
        let target = plain_member(synapse, world, 0).await?;
        let reason = format!("GUI test: flooding the group with ads 刷屏广告 {}", std::process::id());

        open_tech_as_owner(app, synapse, world).await?;
        check_eq!(app.text("[data-testid=group-title]").await?, tech.name);

        // Select the member: search by Matrix ID, click the row; the card offers the actions with their keys.
        let search = app.find("[data-testid=member-search]").await?;
        search.send_keys(&target.user_id).await?;
        let row_css = format!("[data-testid=member-row][data-user-id='{}']", target.user_id);
        app.wait(&row_css, 5, "the member found by search").await?.click().await?;
        app.wait(&format!("[data-testid=member-card][data-user-id='{}']", target.user_id), 5, "the member card")
            .await?;
        app.wait("[data-testid=action-mute]", 5, "the Mute action on the card").await?;
        app.wait("[data-testid=member-cases] [data-testid=cases-empty]", 30, "an empty history before acting").await?;
        app.shot("member-card").await?;

        // `m` opens the mute dialog for the selected member, in this group.
        press(app, 'm').await?;
        let dialog = app.wait("[data-testid=action-dialog][data-action=mute]", 5, "the mute dialog after `m`").await?;
        check_eq!(attr(app, "[data-testid=action-target]", "data-user-id").await?, target.user_id);
        check_eq!(attr(app, "[data-testid=action-group]", "data-group-id").await?, tech.room_id);
        let confirm = app.find("[data-testid=action-confirm]").await?;
        ensure!(!confirm.is_enabled().await?, "confirm is disabled while the reason is empty");
        app.find("[data-testid=action-duration-600]").await?.click().await?;
        check_eq!(attr(app, "[data-testid=action-duration-600]", "aria-checked").await?, "true", "10 m picked");
        let reason_box = app.find("[data-testid=action-reason]").await?;
        reason_box.send_keys(&reason).await?;
        ensure!(confirm.is_enabled().await?, "confirm is enabled once there is a reason");
        app.shot("mute-dialog").await?;
        // Enter confirms.
        reason_box.send_keys(&Key::Enter).await?;

        // The toast: a case ID and "done".
        let toast = app.wait("[data-testid=toast]", 60, "the outcome toast").await?;
        let case_id = toast.attr("data-case-id").await?.context("toast without data-case-id")?;
        ensure!(!case_id.is_empty(), "the toast carries the case ID");
        check_eq!(toast.attr("data-status").await?.as_deref(), Some("done"), "the mute is done");
        let toast_text = toast.text().await?;
        ensure!(toast_text.contains(&case_id), "the toast shows the case ID: {toast_text:?}");
        ensure!(toast_text.contains("Done"), "the toast says done: {toast_text:?}");
        ensure!(app.all("[data-testid=action-dialog]").await?.is_empty(), "the dialog closed");
        drop(dialog);

        // Synapse: the member's power is now below what posting needs.
        let pl = owner.power_levels(&tech.room_id).await?;
        let events_default = pl["events_default"].as_i64().unwrap_or(0);
        let users_default = pl["users_default"].as_i64().unwrap_or(0);
        let level = pl["users"][&target.user_id].as_i64().unwrap_or(users_default);
        ensure!(
            level < events_default,
            "{} is muted on the server: level {level}, events_default {events_default}",
            target.user_id
        );

        // The member list was read again: the row carries the muted chip; the card's history has the case.
        app.wait(&format!("{row_css} [data-testid=member-muted]"), 30, "the muted chip after the mute").await?;
        let history = format!("[data-testid=member-cases] [data-testid=case-row][data-case-id='{case_id}']");
        app.wait(&history, 30, "the case in the member's history").await?;
        app.shot("muted").await?;
        check_eq!(attr(app, "[data-testid=status-outbox]", "data-queued").await?, "0", "nothing left in the outbox");

        // The Cases tab lists it, with the reason.
        app.find("[data-testid=tab-cases]").await?.click().await?;
        let case_css = format!("[data-testid=cases] [data-testid=case-row][data-case-id='{case_id}']");
        let case = app.wait(&case_css, 30, "the case in the Cases tab").await?;
        check_eq!(case.attr("data-action").await?.as_deref(), Some("mute"));
        check_eq!(case.attr("data-status").await?.as_deref(), Some("done"));
        check_eq!(case.attr("data-target").await?.as_deref(), Some(target.user_id.as_str()));
        check_eq!(app.text(&format!("{case_css} [data-testid=case-reason]")).await?, reason);
        case.click().await?;
        let detail =
            app.wait(&format!("[data-testid=case-detail][data-case-id='{case_id}']"), 5, "the case detail").await?;
        let detail_text = detail.text().await?;
        ensure!(detail_text.contains(&world.owner.user_id), "the case names the acting admin: {detail_text:?}");
        app.shot("cases").await?;

        // Back on the member: Unmute (a button on a muted member's card), with a recent reason picked.
        app.find("[data-testid=tab-members]").await?.click().await?;
        app.wait("[data-testid=action-unmute]", 10, "Unmute on a muted member's card").await?.click().await?;
        app.wait("[data-testid=action-dialog][data-action=unmute]", 5, "the unmute dialog").await?;
        let recent = app.wait("[data-testid=action-recent-reason]", 5, "the reason just used, to pick again").await?;
        check_eq!(app.text("[data-testid=action-recent-reason]").await?, reason, "the most recent reason comes first");
        // From the encrypted store, through the engine: no reason is kept in the WebView's storage.
        let in_webview = format!(
            "return Object.keys(localStorage).every(k => !(localStorage.getItem(k) ?? '').includes({}))",
            serde_json::to_string(&reason)?
        );
        app.until(&in_webview, 5, "no reason kept in the WebView's localStorage").await?;
        recent.click().await?;
        app.find("[data-testid=action-confirm]").await?.click().await?;
        let js = format!(
            "return [...document.querySelectorAll('[data-testid=toast]')].some(t => t.dataset.caseId !== '{case_id}' && t.dataset.status === 'done')"
        );
        app.until(&js, 60, "a second toast: the unmute done").await?;
        let pl = owner.power_levels(&tech.room_id).await?;
        let level = pl["users"][&target.user_id].as_i64().unwrap_or(users_default);
        ensure!(
            level >= events_default,
            "{} can post again: level {level}, events_default {events_default}",
            target.user_id
        );
        let unmuted_js = format!(
            "const r = document.querySelector({}); return !!r && !r.querySelector('[data-testid=member-muted]')",
            serde_json::to_string(&row_css)?
        );
        app.until(&unmuted_js, 30, "the muted chip gone after the unmute").await?;
        app.shot("unmuted").await?;
        Ok(())
    });
}

#[test]
fn action_dialog_checks_its_input_and_previews_the_warning_in_chinese() {
    require_keyring();
    let (synapse, world) = world();
    gui_test("action_dialog_zh", "zh_CN.UTF-8", async |app| {
        let tech = world.group("tech");
        let owner = MatrixClient::new(&synapse.base_url, &world.owner.access_token);
        // A plain member other than the one the mute test picks (the first).
        let target = plain_member(synapse, world, 1).await?;

        open_tech_as_owner(app, synapse, world).await?;

        // Myself: the actions show but are disabled (my power is not below my own).
        let search = app.find("[data-testid=member-search]").await?;
        search.send_keys(&world.owner.user_id).await?;
        app.wait(&format!("[data-testid=member-row][data-user-id='{}']", world.owner.user_id), 5, "myself")
            .await?
            .click()
            .await?;
        app.wait("[data-testid=member-actions] [data-testid=out-of-reach]", 5, "the out-of-reach note on my own card")
            .await?;
        ensure!(!app.find("[data-testid=action-mute]").await?.is_enabled().await?, "I cannot mute myself");
        press(app, 'm').await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        ensure!(app.all("[data-testid=action-dialog]").await?.is_empty(), "`m` does nothing on an out-of-reach member");

        let search = app.find("[data-testid=member-search]").await?;
        search.clear().await?;
        search.send_keys(&target.user_id).await?;
        app.wait(&format!("[data-testid=member-row][data-user-id='{}']", target.user_id), 5, "the member")
            .await?
            .click()
            .await?;
        app.wait(&format!("[data-testid=member-card][data-user-id='{}']", target.user_id), 5, "the member card")
            .await?;

        // w: the warning preview is the text the member will read, in Chinese, with the reason and the rule.
        press(app, 'w').await?;
        app.wait("[data-testid=action-dialog][data-action=warn]", 5, "the warn dialog after `w`").await?;
        app.find("[data-testid=action-reason]").await?.send_keys("发广告").await?;
        // The rule is picked from the group's rules (a select), not typed.
        app.until(
            "return document.querySelectorAll('[data-testid=action-rule] option[value=\"kw.spam\"]').length === 1",
            10,
            "the rule picker lists the rules",
        )
        .await?;
        pick(app, "[data-testid=action-rule]", "kw.spam").await?;
        // The engine writes the preview (the template it sends), so it arrives after the last input.
        let want = format!("{} 管理员警告：发广告（依据群规 kw.spam）。请遵守群规。", target.user_id);
        let script = format!(
            "return document.querySelector('[data-testid=action-preview]')?.textContent === {}",
            serde_json::to_string(&want)?
        );
        let _ = app.until(&script, 10, "the engine's preview with the reason and the rule").await;
        check_eq!(app.text("[data-testid=action-preview]").await?, want, "the preview");
        app.shot("warn-dialog").await?;
        // Esc cancels: no case.
        press(app, Key::Escape.into()).await?;
        app.until("return !document.querySelector('[data-testid=action-dialog]')", 5, "Esc closes the dialog").await?;
        ensure!(app.all("[data-testid=group-screen]").await?.len() == 1, "Esc in the dialog does not leave the group");
        ensure!(app.all("[data-testid=toast]").await?.is_empty(), "a cancelled action makes no case");

        // m, custom duration: 0 and more than a year are refused before asking anyone.
        press(app, 'm').await?;
        app.wait("[data-testid=action-dialog][data-action=mute]", 5, "the mute dialog").await?;
        app.find("[data-testid=action-reason]").await?.send_keys("刷屏").await?;
        app.find("[data-testid=action-duration-custom]").await?.click().await?;
        let value = app.wait("[data-testid=action-duration-value]", 5, "the custom duration").await?;
        let confirm = app.find("[data-testid=action-confirm]").await?;
        for bad in ["0", "-5", "400"] {
            value.clear().await?;
            value.send_keys(bad).await?;
            if bad == "400" {
                app.find("[data-testid=action-duration-unit]").await?.select_by_value("days").await?;
            }
            app.wait("[data-testid=action-duration-invalid]", 5, "the invalid-duration message").await?;
            ensure!(!confirm.is_enabled().await?, "confirm is disabled for a duration of {bad}");
        }
        app.shot("mute-invalid-duration").await?;
        value.clear().await?;
        value.send_keys("2").await?;
        app.until("return !document.querySelector('[data-testid=action-duration-invalid]')", 5, "2 days is fine")
            .await?;
        ensure!(confirm.is_enabled().await?, "confirm is enabled for 2 days");
        app.find("[data-testid=action-cancel]").await?.click().await?;
        app.until("return !document.querySelector('[data-testid=action-dialog]')", 5, "Cancel closes the dialog")
            .await?;

        // The world changed under the list: the member left. A kick then ends as a conflict, with the reason why.
        let member = owner.with_token(&target.access_token);
        member.leave(&tech.room_id).await?;
        press(app, 'x').await?;
        app.wait("[data-testid=action-dialog][data-action=kick]", 5, "the kick dialog after `x`").await?;
        let reason_box = app.find("[data-testid=action-reason]").await?;
        reason_box.send_keys("多次发广告").await?;
        reason_box.send_keys(&Key::Enter).await?;
        let toast = app.wait("[data-testid=toast]", 60, "the outcome toast").await;
        // Back in the group whatever happened, so the other tests see the demo world as seeded.
        member.join(&tech.room_id).await?;
        let toast = toast?;
        check_eq!(toast.attr("data-status").await?.as_deref(), Some("conflict"), "kicking a member who left");
        let case_id = toast.attr("data-case-id").await?.context("toast without data-case-id")?;
        check_eq!(app.text("[data-testid=toast-status]").await?, "有冲突", "the status in Chinese");
        let detail = app.text("[data-testid=toast-detail]").await?;
        check_eq!(attr(app, "[data-testid=toast-detail]", "data-why").await?, "not_member", "the reason as data");
        check_eq!(detail, format!("{} 已不在群里。", target.user_id), "what conflicted, in Chinese");
        app.shot("conflict-toast").await?;

        // The Cases tab in Chinese lists it as a conflict.
        app.find("[data-testid=tab-cases]").await?.click().await?;
        let case_css = format!("[data-testid=cases] [data-testid=case-row][data-case-id='{case_id}']");
        let case = app.wait(&case_css, 30, "the conflict case in the Cases tab").await?;
        check_eq!(case.attr("data-status").await?.as_deref(), Some("conflict"));
        check_eq!(case.attr("data-action").await?.as_deref(), Some("kick"));
        check_eq!(app.text("[data-testid=tab-cases]").await?, "案件");
        case.click().await?;
        app.wait(&format!("[data-testid=case-detail][data-case-id='{case_id}']"), 5, "the case detail").await?;
        check_eq!(
            app.text("[data-testid=case-status-detail]").await?,
            format!("{} 已不在群里。", target.user_id),
            "the recorded reason, in Chinese"
        );
        app.shot("cases-zh").await?;

        // The Messages tab in Chinese: its filter and a flagged message's card.
        app.find("[data-testid=tab-messages]").await?.click().await?;
        app.wait("[data-testid=message-row]", 60, "the messages").await?;
        check_eq!(app.text("[data-testid=messages-filter-flagged]").await?.split_whitespace().next(), Some("已标记"));
        app.find("[data-testid=messages-filter-flagged]").await?.click().await?;
        app.wait("[data-testid=message-row][data-severity]", 10, "a flagged message").await?.click().await?;
        app.wait("[data-testid=message-card]", 5, "its card").await?;
        app.shot("messages-zh").await?;
        Ok(())
    });
}

#[test]
fn outbox_view_cancels_a_queued_action_with_a_reason() {
    require_keyring();
    let (synapse, world) = world();
    gui_test("outbox_cancel", "en_US.UTF-8", async |app| {
        let tech = world.group("tech");
        let owner = MatrixClient::new(&synapse.base_url, &world.owner.access_token);
        let target = plain_member(synapse, world, 4).await?;
        let upstream: std::net::SocketAddr = synapse.base_url.trim_start_matches("http://").parse()?;
        let mut proxy = qunguan_tests::proxy::Proxy::start(upstream);
        let port = proxy.port();

        // Signed in through the proxy, then the server goes away for this app.
        app.sign_in(&proxy.url(), &world.owner.user_id, &world.owner.password).await?;
        app.wait("[data-testid=group-row]", 90, "the groups list after signing in").await?;
        app.find(&format!("[data-testid=sidebar-group][data-group-id='{}']", tech.room_id)).await?.click().await?;
        app.wait("[data-testid=member-row]", 90, "the members of 技术交流群").await?;
        let search = app.find("[data-testid=member-search]").await?;
        search.send_keys(&target.user_id).await?;
        let row_css = format!("[data-testid=member-row][data-user-id='{}']", target.user_id);
        app.wait(&row_css, 5, "the member found by search").await?.click().await?;
        app.wait("[data-testid=action-warn]", 5, "the Warn action on the card").await?;
        proxy.cut();

        // A warning decided offline is queued.
        press(app, 'w').await?;
        app.wait("[data-testid=action-dialog][data-action=warn]", 5, "the warn dialog after `w`").await?;
        let reason_box = app.find("[data-testid=action-reason]").await?;
        reason_box.send_keys("GUI test: queued while offline").await?;
        reason_box.send_keys(&Key::Enter).await?;
        let toast = app.wait("[data-testid=toast][data-status=queued]", 60, "the queued toast").await?;
        let case_id = toast.attr("data-case-id").await?.context("toast without data-case-id")?;
        app.until(
            "return document.querySelector('[data-testid=status-outbox]')?.dataset.queued === '1'",
            40,
            "the status bar counts the queued action",
        )
        .await?;

        // The status bar opens the outbox; Cancel asks for a reason, Enter confirms.
        app.find("[data-testid=status-outbox]").await?.click().await?;
        let entry_css = format!("[data-testid=outbox-entry][data-case-id='{case_id}']");
        let entry = app.wait(&entry_css, 10, "the queued entry in the outbox view").await?;
        check_eq!(entry.attr("data-status").await?.as_deref(), Some("queued"));
        let last_error = app.text(&format!("{entry_css} [data-testid=outbox-last-error]")).await?;
        ensure!(!last_error.is_empty(), "the entry says why it waits");
        let why = app.find(&format!("{entry_css} [data-testid=outbox-why]")).await?;
        check_eq!(why.attr("data-kind").await?.as_deref(), Some("unreachable"), "why it waits, as data: no answer");
        ensure!(!why.text().await?.is_empty(), "and in words the admin reads");
        let group = app.text(&format!("{entry_css} [data-testid=outbox-group]")).await?;
        check_eq!(group.as_str(), "技术交流群", "the group by its name, not its room ID");
        app.find(&format!("{entry_css} [data-testid=outbox-cancel]")).await?.click().await?;
        let confirm = app.wait("[data-testid=outbox-cancel-confirm]", 5, "the cancel confirmation").await?;
        ensure!(!confirm.is_enabled().await?, "cancelling needs a reason");
        let why = app.find("[data-testid=outbox-cancel-reason]").await?;
        why.send_keys("wrong member").await?;
        app.shot("outbox-cancel").await?;
        why.send_keys(&Key::Enter).await?;
        app.wait(&format!("{entry_css}[data-status=cancelled]"), 30, "the entry cancelled").await?;
        app.wait(&format!("[data-testid=toast][data-status=cancelled][data-case-id='{case_id}']"), 10, "the toast")
            .await?;
        let note = app.text(&format!("{entry_css} [data-testid=outbox-note]")).await?;
        ensure!(note.contains("wrong member"), "a cancelled entry's note says who cancelled it and why: {note:?}");
        app.shot("outbox-cancelled").await?;
        app.find("[data-testid=outbox-close]").await?.click().await?;
        app.until(
            "return document.querySelector('[data-testid=status-outbox]')?.dataset.queued === '0'",
            20,
            "nothing queued any more",
        )
        .await?;

        // The server back: the warning is never sent.
        let _back = qunguan_tests::proxy::Proxy::start_on(port, upstream);
        tokio::time::sleep(Duration::from_secs(20)).await;
        let events = qunguan_tests::console::timeline(&owner, &tech.room_id).await?;
        ensure!(
            qunguan_tests::console::sent_for_case(&events, &case_id).is_empty(),
            "a cancelled warning never reaches the group"
        );
        Ok(())
    });
}

#[test]
fn wrong_password_shows_the_translated_error() {
    let (synapse, world) = world();
    gui_test("wrong_password", "zh_CN.UTF-8", async |app| {
        app.sign_in(&synapse.base_url, &world.owner.user_id, "not-the-password").await?;
        let error = app
            .wait("[data-testid=signin-error][data-code=auth_invalid_credentials]", 30, "the wrong-password error")
            .await?;
        let text = error.text().await?;
        ensure!(text.contains("用户名或密码错误"), "LANG=zh_CN gives the Chinese message: {text:?}");
        ensure!(!text.contains('{'), "no raw JSON on the sign-in card: {text:?}");
        ensure!(app.all("[data-testid=shell]").await?.is_empty(), "a wrong password does not sign in");
        let submit = app.find("[data-testid=signin-submit]").await?;
        ensure!(submit.is_enabled().await?, "the form is usable again after the error");
        app.shot("zh").await?;

        // The language switch on the card translates the error in place.
        app.find("[data-testid=signin-language]").await?.select_by_value("en").await?;
        app.until(
            "return document.querySelector('[data-testid=signin-error]').textContent.includes('Wrong user name or password.')",
            5,
            "the English error after switching the language",
        )
        .await?;
        check_eq!(app.text("[data-testid=signin-submit]").await?, "Sign in");
        Ok(())
    });
}

#[test]
fn unreachable_homeserver_shows_the_translated_error() {
    gui_test("unreachable_homeserver", "en_US.UTF-8", async |app| {
        // A loopback port nobody listens on.
        let port = free_port();
        app.sign_in(&format!("http://127.0.0.1:{port}"), "@someone:example.org", "whatever").await?;
        let error = app
            .wait("[data-testid=signin-error][data-code=homeserver_unreachable]", 30, "the unreachable-server error")
            .await?;
        let text = error.text().await?;
        ensure!(text.contains("Cannot reach the homeserver"), "English message: {text:?}");
        Ok(())
    });
}

/// A group of its own on the demo's Synapse: a fresh owner (so the app follows this group alone)
/// and `n` members; the owner, the members and the room ID.
fn queue_group(n: usize) -> (qunguan_testkit::TestUser, Vec<qunguan_testkit::TestUser>, String) {
    use qunguan_tests::console::{PASSWORD, create_group, unique};
    let (synapse, _) = world();
    let register = |prefix: &str| {
        qunguan_tests::RUNTIME.block_on(synapse.register(&unique(prefix), PASSWORD, false)).expect("register")
    };
    let owner = register("qowner");
    let members: Vec<_> = (0..n).map(|_| register("qmember")).collect();
    let joiners: Vec<&qunguan_testkit::TestUser> = members.iter().collect();
    let room = create_group(&synapse.base_url, &owner, &[], &joiners, "gui-queue");
    (owner, members, room)
}

/// A message with a resident ID: a high-severity item once the app has read it.
const LEAK: &str = "我的身份证 11010519491231002X 帮我查一下";

/// The open items the queue screen lists, in order: their IDs.
async fn queue_rows(app: &qunguan_tests::gui::App) -> Result<Vec<String>> {
    attrs(app, "[data-testid=queue-row]", "data-item-id").await
}

/// Waits until the queue lists exactly `n` rows.
async fn rows_become(app: &qunguan_tests::gui::App, n: usize, secs: u64, what: &str) -> Result<()> {
    let js = format!("return document.querySelectorAll('[data-testid=queue-row]').length === {n}");
    app.until(&js, secs, what).await
}

/// Types `text` into the focused field (as keys, no click).
async fn type_text(app: &qunguan_tests::gui::App, text: &str) -> Result<()> {
    let focused = app.client.active_element().await?;
    focused.send_keys(text).await?;
    Ok(())
}

#[test]
fn admin_works_three_queue_items_from_the_keyboard_claim_mute_dismiss() {
    require_keyring();
    let (synapse, _) = world();
    let (owner, members, room) = queue_group(3);
    // Two leaks before the app starts (its first round reads them), a third while it follows.
    let posted: Vec<String> = members[..2]
        .iter()
        .map(|m| {
            let c = MatrixClient::new(&synapse.base_url, &m.access_token);
            qunguan_tests::RUNTIME.block_on(c.send_text(&room, LEAK)).expect("send")
        })
        .collect();
    // Notifications go to dunst on this session bus; dbus-monitor sees them pass.
    let monitor_log = tempfile::NamedTempFile::new().expect("monitor log");
    let mut monitor = std::process::Command::new("dbus-monitor")
        .args(["--session", "interface='org.freedesktop.Notifications',member='Notify'"])
        .stdout(monitor_log.reopen().expect("monitor log handle"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dbus-monitor (apt-get install dbus)");
    let env = [("QG_LOG", "qunguan_app=info")];
    qunguan_tests::gui::gui_test_with("queue_keyboard", "en_US.UTF-8", &env, async |app| {
        let o = MatrixClient::new(&synapse.base_url, &owner.access_token);
        app.sign_in(&synapse.base_url, &owner.user_id, &owner.password).await?;
        app.wait("[data-testid=nav-queue]", 90, "the sidebar after signing in").await?;
        press(app, 'g').await?;
        press(app, 'q').await?;
        app.wait("[data-testid=queue-screen]", 10, "g q opens the queue").await?;
        rows_become(app, 2, 60, "the two leaks read by the first round").await?;

        // Followed live: a third leak is an item within seconds, without a reload.
        let c = MatrixClient::new(&synapse.base_url, &members[2].access_token);
        let sent = std::time::Instant::now();
        let third = c.send_text(&room, LEAK).await?;
        rows_become(app, 3, 60, "the third leak, followed live").await?;
        eprintln!("queue latency in the app: {:.2} s from send to row", sent.elapsed().as_secs_f64());
        // All high: the two read in the first round (one age), then the one that came after.
        let mut events = attrs(app, "[data-testid=queue-row]", "data-event-id").await?;
        check_eq!(events.pop(), Some(third.clone()), "the newest item last");
        events.sort();
        let mut first_two = posted.clone();
        first_two.sort();
        check_eq!(events, first_two, "the two earlier leaks first");
        let severities = attrs(app, "[data-testid=queue-row]", "data-severity").await?;
        ensure!(severities.iter().all(|s| s == "high"), "a resident ID is high severity: {severities:?}");
        let preview = app.text("[data-testid=queue-row]").await?;
        ensure!(
            preview.contains("110105********002X") && !preview.contains("11010519491231002X"),
            "masked: {preview:?}"
        );
        let follow = app.text("[data-testid=queue-follow]").await?;
        check_eq!(follow, "Following 1 group live", "the progress line after the first round");
        let ids = queue_rows(app).await?;

        // j selects the first item; c claims it (the row and the card name me).
        press(app, 'j').await?;
        app.wait(&format!("[data-testid=queue-card][data-item-id='{}']", ids[0]), 5, "the first item's card").await?;
        app.wait("[data-testid=queue-context]", 10, "the messages around it").await?;
        press(app, 'c').await?;
        let mine = format!("[data-testid=queue-row][data-item-id='{}'][data-claimed-by='{}']", ids[0], owner.user_id);
        app.wait(&mine, 30, "the claim on the first item").await?;
        app.shot("claimed").await?;
        let pointer = o.get_state(&room, "org.qunguan.moderation_room", "").await?;
        let log_room = pointer.and_then(|p| p["room_id"].as_str().map(str::to_owned)).context("a moderation room")?;
        let claim = o.get_state(&log_room, "org.qunguan.claim", &ids[0]).await?.context("the claim on Synapse")?;
        let first_event = attr(app, "[data-testid=queue-card]", "data-event-id").await?;
        let first_sender = if first_event == posted[0] { &members[0] } else { &members[1] };
        check_eq!(claim["holder"].as_str(), Some(owner.user_id.as_str()), "the claim is in the moderation room");

        // m asks the duration (2: one hour), then the action dialog: a reason, Enter.
        press(app, 'm').await?;
        app.wait("[data-testid=duration-pick]", 5, "m asks the duration first").await?;
        app.shot("duration").await?;
        press(app, '2').await?;
        app.wait("[data-testid=action-dialog][data-action=mute]", 5, "the mute dialog").await?;
        app.wait("[data-testid=action-duration-3600][aria-checked=true]", 5, "the hour chosen").await?;
        type_text(app, "posted an ID number").await?;
        app.shot("mute-dialog").await?;
        app.client.active_element().await?.send_keys(&Key::Enter).await?;
        rows_become(app, 2, 60, "the muted sender's item left the open queue").await?;
        // The decision's answer: the claim is released before it comes, while a round may reload the queue sooner.
        app.wait("[data-testid=toast][data-status=done]", 60, "the mute's outcome").await?;
        let pl = o.power_levels(&room).await?;
        let events_default = pl["events_default"].as_i64().unwrap_or(0);
        let level = pl["users"][&first_sender.user_id].as_i64().unwrap_or(0);
        ensure!(level < events_default, "muted on Synapse: level {level}, events_default {events_default}");
        let claim = o.get_state(&log_room, "org.qunguan.claim", &ids[0]).await?;
        ensure!(
            claim.as_ref().is_none_or(|c| c.get("holder").is_none()),
            "the claim went with the decision: {claim:?}"
        );

        // The selection moved on to the next item: d asks the reason; Enter dismisses it.
        app.wait(&format!("[data-testid=queue-card][data-item-id='{}']", ids[1]), 5, "the next item selected").await?;
        let second_event = attr(app, "[data-testid=queue-card]", "data-event-id").await?;
        press(app, 'd').await?;
        app.wait("[data-testid=dismiss-dialog]", 5, "the dismiss dialog").await?;
        // Enter with no reason: refused, and said under the field.
        app.client.active_element().await?.send_keys(&Key::Enter).await?;
        app.wait("[data-testid=dismiss-reason-missing]", 5, "a dismissal needs a reason").await?;
        type_text(app, "a test of the form, not a leak").await?;
        app.shot("dismiss-dialog").await?;
        app.client.active_element().await?.send_keys(&Key::Enter).await?;
        rows_become(app, 1, 60, "the dismissed item left the open queue").await?;
        check_eq!(queue_rows(app).await?, vec![ids[2].clone()], "the third item is what is left");
        app.shot("worked").await?;

        // The dismissal is a case in the moderation room, about the second message.
        dismiss_case(&o, &log_room, &second_event).await?;

        // u undoes the mute (the unmute dialog, for the muted member).
        press(app, 'u').await?;
        app.wait("[data-testid=action-dialog][data-action=unmute]", 5, "u offers the unmute").await?;
        let target = attr(app, "[data-testid=action-target]", "data-user-id").await?;
        check_eq!(target, first_sender.user_id, "the unmute is for the muted sender");
        app.client.active_element().await?.send_keys(&Key::Escape).await?;

        // The dismissed state lists the item with its case.
        pick(app, "[data-testid=queue-filter-state]", "dismissed").await?;
        let row = format!("[data-testid=queue-row][data-item-id='{}']", ids[1]);
        app.wait(&row, 10, "the dismissed item under Dismissed").await?;
        pick(app, "[data-testid=queue-filter-state]", "open").await?;
        rows_become(app, 1, 10, "back to the open items").await?;

        // ? lists the queue's keys.
        press(app, '?').await?;
        let help = app.wait("[data-testid=help-overlay]", 5, "the help overlay").await?.text().await?;
        for words in ["Claim the selected item", "Dismiss the selected item", "Undo the last action", "Go to the queue"]
        {
            ensure!(help.contains(words), "the help lists {words:?}: {help:?}");
        }
        app.shot("help").await?;
        press(app, '?').await?;

        // A notification for each new high-severity item reached the session bus.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let seen = std::fs::read_to_string(monitor_log.path()).unwrap_or_default();
            if seen.contains("High severity") {
                break;
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "no Notify on the session bus; monitor saw: {seen}\napp log: {}",
                app.log()
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let seen = std::fs::read_to_string(monitor_log.path()).unwrap_or_default();
        ensure!(!seen.contains("11010519491231002X"), "the notification carries the masked text only: {seen}");
        ensure!(seen.contains("110105********002X"), "the notification shows the masked text: {seen}");
        ensure!(app.log().contains("notification shown"), "dunst took it: {}", app.log());
        Ok(())
    });
    let _ = monitor.kill();
    let _ = monitor.wait();
}

#[test]
fn without_a_notification_daemon_the_queue_follows_and_acts_and_nothing_hangs() {
    use qunguan_tests::console::random_key;
    let (synapse, _) = world();
    let (owner, members, room) = queue_group(1);
    // A session bus of our own with no services at all: nobody owns org.freedesktop.Notifications
    // and nothing can be started for it.
    let dir = tempfile::tempdir().expect("bus dir");
    let socket = dir.path().join("bus");
    let config = dir.path().join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path={}</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>"#,
            socket.display()
        ),
    )
    .expect("bus config");
    let mut bus = std::process::Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .arg("--nofork")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("dbus-daemon");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(std::time::Instant::now() < deadline, "the private bus did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let address = format!("unix:path={}", socket.display());
    let key = random_key();
    // No keyring on that bus: the credentials and the store key come from the environment.
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", address.as_str()),
        ("QG_HOMESERVER", synapse.base_url.as_str()),
        ("QG_ACCESS_TOKEN", owner.access_token.as_str()),
        ("QG_CACHE_KEY", key.as_str()),
        ("QG_LOG", "qunguan_app=info"),
    ];
    qunguan_tests::gui::gui_test_with("queue_no_notifier", "zh_CN.UTF-8", &env, async |app| {
        app.wait("[data-testid=nav-queue]", 90, "signed in from the environment").await?;
        app.find("[data-testid=nav-queue]").await?.click().await?;
        app.wait("[data-testid=queue-screen]", 10, "the queue").await?;
        let c = MatrixClient::new(&synapse.base_url, &members[0].access_token);
        let first = c.send_text(&room, LEAK).await?;
        app.wait(&format!("[data-testid=queue-row][data-event-id='{first}']"), 60, "the first leak").await?;
        // The notification failed (nobody to show it): the next message still arrives, and an action works.
        let second = c.send_text(&room, "再发一次 11010519491231002X").await?;
        app.wait(&format!("[data-testid=queue-row][data-event-id='{second}']"), 60, "the second leak").await?;
        press(app, 'j').await?;
        app.wait("[data-testid=queue-card]", 5, "the first item's card").await?;
        press(app, 'd').await?;
        app.wait("[data-testid=dismiss-dialog]", 5, "the dismiss dialog").await?;
        type_text(app, "checked, nothing to do").await?;
        app.client.active_element().await?.send_keys(&Key::Enter).await?;
        rows_become(app, 1, 60, "the dismissed item left the queue").await?;
        app.shot("no-notifier").await?;
        let log = app.log();
        ensure!(
            log.contains("notification not shown") && log.contains("ServiceUnknown"),
            "the notifications failed (no daemon on this bus) and said so in the log: {log}"
        );
        Ok(())
    });
    let _ = bus.kill();
    let _ = bus.wait();
}

#[test]
fn clicking_a_notification_opens_its_item_in_the_queue() {
    require_keyring();
    let (synapse, _) = world();
    let (owner, members, room) = queue_group(1);
    qunguan_tests::gui::gui_test("queue_notification_click", "en_US.UTF-8", async |app| {
        app.sign_in(&synapse.base_url, &owner.user_id, &owner.password).await?;
        app.wait("[data-testid=groups-screen]", 90, "the groups list after signing in").await?;
        // The first round is done (the progress line is only on the queue screen: ask the sidebar's count).
        app.wait("[data-testid=nav-queue-count]", 60, "the queue read once").await?;
        // Nothing left on screen from an earlier test's window: the one notification shown is ours.
        std::process::Command::new("dunstctl").arg("close-all").status()?;
        let c = MatrixClient::new(&synapse.base_url, &members[0].access_token);
        let leak = c.send_text(&room, LEAK).await?;
        // dunst shows it; its default action is what a click does.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let out = std::process::Command::new("dunstctl").args(["count", "displayed"]).output()?;
            if String::from_utf8_lossy(&out.stdout).trim().parse::<u32>().unwrap_or(0) > 0 {
                break;
            }
            ensure!(std::time::Instant::now() < deadline, "dunst never displayed the notification");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        app.shot("notified").await?;
        let status = std::process::Command::new("dunstctl").args(["action", "0"]).status()?;
        ensure!(status.success(), "dunstctl action: {status}");
        let card = format!("[data-testid=queue-card][data-event-id='{leak}']");
        app.wait(&card, 15, "the clicked notification's item, opened in the queue").await?;
        app.shot("opened").await?;

        // The reminders' minutes: 0 is refused under the field, 30 is taken.
        app.find("[data-testid=nav-settings]").await?.click().await?;
        let minutes = app.wait("[data-testid=settings-notify-remind-minutes]", 5, "the reminders' minutes").await?;
        check_eq!(minutes.prop("value").await?.as_deref(), Some("60"), "an hour by default");
        minutes.clear().await?;
        minutes.send_keys("0").await?;
        minutes.send_keys(&Key::Tab).await?;
        app.wait("[data-testid=settings-notify-remind-invalid]", 5, "0 minutes refused").await?;
        app.shot("settings-remind-invalid").await?;
        let minutes = app.find("[data-testid=settings-notify-remind-minutes]").await?;
        minutes.clear().await?;
        minutes.send_keys("30").await?;
        minutes.send_keys(&Key::Tab).await?;
        app.until("return !document.querySelector('[data-testid=settings-notify-remind-invalid]')", 5, "30 taken")
            .await?;

        // Turned off in Settings: the next leak is an item, and no notification.
        app.find("[data-testid=settings-notify-enabled]").await?.click().await?;
        app.until(
            "return document.querySelector('[data-testid=settings-notify-quiet]').disabled === true \
               && document.querySelector('[data-testid=settings-notify-remind]').disabled === true",
            5,
            "the quiet hours and the reminders follow the switch",
        )
        .await?;
        app.shot("settings-off").await?;
        std::process::Command::new("dunstctl").arg("close-all").status()?;
        c.send_text(&room, "又一个 11010519491231002X").await?;
        app.until(
            "return document.querySelector('[data-testid=nav-queue-count]')?.dataset.count === '2'",
            60,
            "the second leak in the queue",
        )
        .await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let out = std::process::Command::new("dunstctl").args(["count", "displayed"]).output()?;
        check_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0", "no notification while turned off");
        Ok(())
    });
}

/// `qg queue --json` (open items) of a console.
fn open_items(c: &qunguan_tests::console::Console) -> Result<Vec<serde_json::Value>> {
    let r = c.run(&["queue", "--json"]);
    ensure!(r.code == 0, "qg queue: {r:#?}");
    r.json().as_array().cloned().context("the queue is a JSON array")
}

/// Until the moderation room holds a `dismiss` case about `event`.
async fn dismiss_case(o: &MatrixClient, log_room: &str, event: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let events = o.messages(log_room, 100).await?;
        let found = events.iter().any(|e| {
            e["type"] == "org.qunguan.case"
                && e["content"].to_string().contains("dismiss")
                && e["content"].to_string().contains(event)
        });
        if found {
            return Ok(());
        }
        ensure!(std::time::Instant::now() < deadline, "no dismiss case in the moderation room: {events:#?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[test]
fn dismissing_an_item_another_admin_holds_asks_first_and_esc_leaves_it_held() {
    use qunguan_tests::console::{Console, PASSWORD, create_group, unique};
    require_keyring();
    let (synapse, _) = world();
    let register = |prefix: &str| {
        qunguan_tests::RUNTIME.block_on(synapse.register(&unique(prefix), PASSWORD, false)).expect("register")
    };
    let (owner, admin, member) = (register("hqowner"), register("hqadmin"), register("hqmember"));
    let room = create_group(&synapse.base_url, &owner, &[(&admin, 100)], &[&admin, &member], "gui-held");
    let m = MatrixClient::new(&synapse.base_url, &member.access_token);
    let leak = qunguan_tests::RUNTIME.block_on(m.send_text(&room, LEAK)).expect("send");

    // The other admin, with a `qg` home of its own, reads the group and claims the item.
    let b = Console::sign_in(&synapse.base_url, &admin);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let id = loop {
        let r = b.run(&["sync", "--json"]);
        assert_eq!(r.code, 0, "the other admin's sync: {r:#?}");
        let items = open_items(&b).expect("the other admin's queue");
        if let Some(item) = items.iter().find(|i| i["event_id"] == leak.as_str()) {
            break item["id"].as_str().expect("an item ID").to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "the leak never reached the other admin's queue: {items:#?}");
        std::thread::sleep(Duration::from_millis(500));
    };
    let claimed = b.run(&["claim", &id, "--json"]);
    assert_eq!(claimed.code, 0, "the other admin claims it: {claimed:#?}");

    qunguan_tests::gui::gui_test("queue_held", "en_US.UTF-8", async |app| {
        let o = MatrixClient::new(&synapse.base_url, &owner.access_token);
        app.sign_in(&synapse.base_url, &owner.user_id, &owner.password).await?;
        app.wait("[data-testid=nav-queue]", 90, "the sidebar after signing in").await?;
        press(app, 'g').await?;
        press(app, 'q').await?;
        let row = format!("[data-testid=queue-row][data-item-id='{id}']");
        let held_row = format!("{row}[data-claimed-by='{}']", admin.user_id);
        app.wait(&held_row, 60, "the item, held by the other admin").await?;
        press(app, 'j').await?;
        app.wait(&format!("[data-testid=queue-card][data-item-id='{id}']"), 5, "the item's card").await?;
        let pointer = o.get_state(&room, "org.qunguan.moderation_room", "").await?;
        let log_room = pointer.and_then(|p| p["room_id"].as_str().map(str::to_owned)).context("a moderation room")?;
        let holder = async || -> Result<Option<String>> {
            let claim = o.get_state(&log_room, "org.qunguan.claim", &id).await?;
            Ok(claim.and_then(|c| c["holder"].as_str().map(str::to_owned)))
        };
        check_eq!(holder().await?, Some(admin.user_id.clone()), "the claim on Synapse");

        // d asks first, naming who holds it; Esc goes back and leaves the item open and held.
        press(app, 'd').await?;
        let asked = format!("[data-testid=held-dialog][data-holder='{}']", admin.user_id);
        app.wait(&asked, 5, "d on a held item asks first").await?;
        let said = app.text("[data-testid=held-dialog]").await?;
        ensure!(said.contains(&format!("{} holds this item", admin.user_id)), "the dialog names the holder: {said:?}");
        ensure!(app.all("[data-testid=dismiss-dialog]").await?.is_empty(), "no reason is asked before the answer");
        app.shot("held-dialog").await?;
        press(app, Key::Escape.into()).await?;
        app.until("return !document.querySelector('[data-testid=held-dialog]')", 5, "Esc closes the question").await?;
        ensure!(app.all("[data-testid=dismiss-dialog]").await?.is_empty(), "Esc does not go on to the dismissal");
        app.find(&held_row).await?;
        check_eq!(holder().await?, Some(admin.user_id.clone()), "still the other admin's on Synapse");
        ensure!(b.run(&["sync"]).code == 0, "the other admin's sync");
        let theirs = open_items(&b)?.into_iter().find(|i| i["id"] == id.as_str()).context("still open for them")?;
        check_eq!(theirs["claimed_by"].as_str(), Some(admin.user_id.as_str()), "still held, as they see it");

        // Again, and Enter goes ahead: the reason, Enter, and the item is dismissed (a case) for both.
        press(app, 'd').await?;
        app.wait(&asked, 5, "asked again").await?;
        // Regression: going ahead closed the question and opened nothing (it read its next step after clearing it).
        press(app, Key::Enter.into()).await?;
        app.wait(&format!("[data-testid=dismiss-dialog][data-item-id='{id}']"), 5, "then the dismissal").await?;
        type_text(app, "checked with the other admin").await?;
        app.shot("dismiss-held").await?;
        app.client.active_element().await?.send_keys(&Key::Enter).await?;
        rows_become(app, 0, 60, "the dismissed item left the open queue").await?;
        app.shot("dismissed").await?;
        dismiss_case(&o, &log_room, &leak).await?;
        // The other admin's console imports the dismissal: the item is closed there too.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            ensure!(b.run(&["sync"]).code == 0, "the other admin's sync");
            if !open_items(&b)?.iter().any(|i| i["id"] == id.as_str()) {
                break;
            }
            ensure!(std::time::Instant::now() < deadline, "still open for the other admin: {:#?}", open_items(&b)?);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let r = b.run(&["queue", "--state", "dismissed", "--json"]);
        let closed = r.json().as_array().cloned().unwrap_or_default();
        ensure!(closed.iter().any(|i| i["id"] == id.as_str()), "dismissed, as they see it: {r:#?}");
        Ok(())
    });
}

/// The `data-<attr>` of the credit-change rows on the member card, newest first.
async fn credit_changes(app: &qunguan_tests::gui::App, attr_name: &str) -> Result<Vec<String>> {
    attrs(app, "[data-testid=member-credit-card] [data-testid=credit-change]", attr_name).await
}

#[test]
fn credit_shows_in_the_member_list_the_card_and_the_action_dialog_and_the_group_sets_its_policy() {
    use qunguan_tests::console::{Console, PASSWORD, create_group, unique};
    require_keyring();
    let (synapse, _) = world();
    let register = |prefix: &str| {
        qunguan_tests::RUNTIME.block_on(synapse.register(&unique(prefix), PASSWORD, false)).expect("register")
    };
    let (owner, admin, member, other) =
        (register("crowner"), register("cradmin"), register("crmember"), register("crother"));
    let room = create_group(&synapse.base_url, &owner, &[(&admin, 100)], &[&admin, &member, &other], "gui-credit");

    // Another admin, with a `qg` of its own, warns the member twice and mutes them for a day: 100 − 5 − 5 − 10.
    let b = Console::sign_in(&synapse.base_url, &admin);
    let m = member.user_id.as_str();
    let mut seeded = Vec::new();
    for args in [
        ["warn", &room, m, "--reason", "广告", "--rule", "R2"].as_slice(),
        &["warn", &room, m, "--reason", "刷屏"],
        &["mute", &room, m, "--for", "1d", "--reason", "又刷屏"],
    ] {
        let outcome = b.act(args);
        assert_eq!(outcome.status, "done", "the other admin's {}: {:#?}", args[0], outcome.run);
        seeded.push(outcome.case_id);
    }
    // The card lists them newest first.
    seeded.reverse();

    gui_test("credit", "en_US.UTF-8", async |app| {
        let o = MatrixClient::new(&synapse.base_url, &owner.access_token);
        app.sign_in(&synapse.base_url, &owner.user_id, &owner.password).await?;
        app.wait("[data-testid=group-row]", 90, "the groups list after signing in").await?;
        app.find(&format!("[data-testid=sidebar-group][data-group-id='{room}']")).await?.click().await?;
        let row = format!("[data-testid=member-row][data-user-id='{m}']");
        app.wait(&row, 90, "the warned member's row").await?;
        check_eq!(
            attr(app, "[data-testid=member-row]", "data-user-id").await?,
            owner.user_id,
            "by role: the owner first"
        );

        // The card: the level chip, the score, and the three changes explained (points, action, rule, case).
        app.find(&row).await?.click().await?;
        let chip = "[data-testid=member-card-credit]";
        app.wait(&format!("{chip}[data-score='80']"), 60, "the card's credit after the other admin's cases").await?;
        check_eq!(attr(app, chip, "data-level").await?, "fair", "80 is fair");
        check_eq!(app.text(chip).await?, "Fair 80", "the chip names the level (not colour alone) and the score");
        check_eq!(credit_changes(app, "data-case-id").await?, seeded, "three changes, each with its case");
        check_eq!(credit_changes(app, "data-action").await?, ["mute", "warn", "warn"]);
        check_eq!(credit_changes(app, "data-rule").await?, ["points.mute.up_to_1d", "points.warn", "points.warn"]);
        check_eq!(credit_changes(app, "data-delta").await?, ["-10", "-5", "-5"]);
        let first_change = app.text("[data-testid=member-credit-card] [data-testid=credit-change]").await?;
        for shown in ["−10", "Mute", "points.mute.up_to_1d", seeded[0].as_str(), "→ 80"] {
            ensure!(first_change.contains(shown), "the mute's change shows {shown:?}: {first_change:?}");
        }
        let ladder = app.text("[data-testid=member-ladder-text]").await?;
        check_eq!(
            ladder,
            "2 warnings in 30 days: the ladder calls for a 1-day mute; at the 3rd, a kick",
            "the card's ladder standing"
        );

        // The list follows what the card read: the credit column shows the level and the score.
        let cell = format!("{row} [data-testid=member-credit]");
        app.wait(&format!("{cell}[data-score='80'][data-level='fair']"), 30, "the member's credit in the list").await?;
        check_eq!(app.text(&cell).await?, "Fair 80");
        let owner_cell =
            format!("[data-testid=member-row][data-user-id='{}'] [data-testid=member-credit]", owner.user_id);
        check_eq!(attr(app, &owner_cell, "data-score").await?, "100", "no case: the start");
        // Across all my groups: everything together first (this console's policy), then this group.
        app.find("[data-testid=credit-everywhere-open]").await?.click().await?;
        app.wait("[data-testid=credit-everywhere][data-state=ready]", 60, "credit across all my groups").await?;
        let everywhere = "[data-testid=credit-everywhere-row]";
        check_eq!(attrs(app, everywhere, "data-group-id").await?, ["", room.as_str()], "all groups, then this one");
        check_eq!(attrs(app, &format!("{everywhere} [data-level]"), "data-score").await?, ["80", "80"]);
        app.shot("card").await?;

        // Sort by credit: the lowest first. Filter by level: the fair one alone.
        pick(app, "[data-testid=member-sort]", "credit").await?;
        app.until(
            &format!("return document.querySelector('[data-testid=member-row]')?.dataset.userId === '{m}'"),
            5,
            "sorted by credit, the warned member first",
        )
        .await?;
        check_eq!(attr(app, "[data-testid=level-filter-fair]", "data-count").await?, "1");
        check_eq!(attr(app, "[data-testid=level-filter-good]", "data-count").await?, "3");
        app.find("[data-testid=level-filter-fair]").await?.click().await?;
        app.until("return document.querySelectorAll('[data-testid=member-row]').length === 1", 5, "fair only").await?;
        check_eq!(attrs(app, "[data-testid=member-row]", "data-user-id").await?, [m], "only the fair member");
        app.shot("sorted-filtered").await?;
        app.find("[data-testid=level-filter-all]").await?.click().await?;
        app.until("return document.querySelectorAll('[data-testid=member-row]').length === 4", 5, "all again").await?;

        // `w`: the dialog shows the member's level and the ladder line for this, the 3rd warning.
        press(app, 'w').await?;
        app.wait("[data-testid=action-dialog][data-action=warn]", 5, "the warn dialog").await?;
        let line = app.wait("[data-testid=action-ladder][data-count='3']", 30, "the ladder line").await?;
        check_eq!(line.attr("data-counted").await?.as_deref(), Some("true"), "a warning counts");
        check_eq!(line.attr("data-due").await?.as_deref(), Some("kick"), "the 3rd warning calls for a kick");
        check_eq!(line.attr("data-automatic").await?.as_deref(), Some("false"), "the default ladder only suggests");
        check_eq!(app.text("[data-testid=action-ladder]").await?, "3rd warning in 30 days: next is a kick");
        check_eq!(attr(app, "[data-testid=action-credit]", "data-level").await?, "fair", "the level in the dialog");
        app.shot("warn-dialog").await?;
        press(app, Key::Escape.into()).await?;
        app.until("return !document.querySelector('[data-testid=action-dialog]')", 5, "Esc closes it").await?;

        // A timed ban (the other member): no end unless given one; 7 days picked; the ban is on Synapse.
        app.find(&format!("[data-testid=member-row][data-user-id='{}']", other.user_id)).await?.click().await?;
        app.wait(&format!("[data-testid=member-card][data-user-id='{}']", other.user_id), 5, "their card").await?;
        press(app, 'b').await?;
        app.wait("[data-testid=action-dialog][data-action=ban]", 5, "the ban dialog").await?;
        check_eq!(attr(app, "[data-testid=action-duration-forever]", "aria-checked").await?, "true", "no end at first");
        app.find("[data-testid=action-duration-604800]").await?.click().await?;
        check_eq!(attr(app, "[data-testid=action-duration-604800]", "aria-checked").await?, "true", "7 days picked");
        app.find("[data-testid=action-reason]").await?.send_keys("GUI test: a week off").await?;
        app.shot("ban-dialog").await?;
        app.find("[data-testid=action-reason]").await?.send_keys(&Key::Enter).await?;
        let toast = app.wait("[data-testid=toast][data-status=done]", 60, "the ban done").await?;
        let ban_case = toast.attr("data-case-id").await?.context("toast without a case")?;
        let state = o.get_state(&room, "m.room.member", &other.user_id).await?;
        check_eq!(state.as_ref().and_then(|s| s["membership"].as_str()), Some("ban"), "banned on Synapse");
        // The other admin's console reads the ban's case, with its end.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let case = b.cases(&["--user", &other.user_id]).into_iter().find(|c| c["case_id"] == ban_case.as_str());
            if let Some(case) = case {
                ensure!(case["detail"]["until"].is_string(), "the ban's case carries its end: {case:#}");
                break;
            }
            ensure!(std::time::Instant::now() < deadline, "the other admin never read the ban's case {ban_case}");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }

        // In Chinese: the level names and the ladder line as docs/credit.md and docs/ui.md word them.
        app.find("[data-testid=nav-settings]").await?.click().await?;
        pick(app, "[data-testid=settings-language]", "zh-CN").await?;
        app.find(&format!("[data-testid=sidebar-group][data-group-id='{room}']")).await?.click().await?;
        app.wait(&row, 30, "the members again").await?.click().await?;
        app.wait(&format!("{chip}[data-score='80']"), 30, "the card again").await?;
        check_eq!(app.text(chip).await?, "一般 80");
        press(app, 'w').await?;
        app.wait("[data-testid=action-ladder][data-count='3']", 30, "the ladder line in Chinese").await?;
        check_eq!(app.text("[data-testid=action-ladder]").await?, "30 天内第 3 次警告：下一步是移出群");
        app.shot("warn-dialog-zh").await?;
        press(app, Key::Escape.into()).await?;
        app.until("return !document.querySelector('[data-testid=action-dialog]')", 5, "Esc closes it").await?;
        app.shot("card-zh").await?;
        app.find("[data-testid=nav-settings]").await?.click().await?;
        pick(app, "[data-testid=settings-theme]", "dark").await?;
        app.find(&format!("[data-testid=sidebar-group][data-group-id='{room}']")).await?.click().await?;
        app.wait(&row, 30, "the members in the dark theme").await?.click().await?;
        app.wait(&format!("{chip}[data-score='80']"), 30, "the card in the dark theme").await?;
        app.shot("card-zh-dark").await?;

        // The group's credit policy: the defaults; a bad one is refused naming the field and nothing is applied;
        // a good one becomes the group's own (its state on Synapse) and the member list follows it.
        app.find("[data-testid=tab-settings]").await?.click().await?;
        app.wait("[data-testid=policy-source][data-source=default]", 30, "the built-in defaults").await?;
        app.shot("policy-zh").await?;
        app.find("[data-testid=policy-edit]").await?.click().await?;
        let text = app.wait("[data-testid=policy-text]", 5, "the policy's JSON to edit").await?;
        text.clear().await?;
        text.send_keys(r#"{"levels": {"good": 90, "fair": 95, "poor": 50}}"#).await?;
        app.find("[data-testid=policy-save]").await?.click().await?;
        let error = app.wait("[data-testid=policy-error][data-code=invalid_input]", 30, "the refusal").await?;
        let said = error.text().await?;
        ensure!(said.contains("levels.fair"), "the refusal names the field: {said:?}");
        check_eq!(o.get_state(&room, "org.qunguan.credit_policy", "").await?, None, "nothing applied");
        app.shot("policy-refused").await?;
        text.clear().await?;
        text.send_keys(r#"{"levels": {"good": 95, "fair": 85, "poor": 50}}"#).await?;
        app.find("[data-testid=policy-save]").await?.click().await?;
        app.wait("[data-testid=policy-saved]", 30, "saved").await?;
        check_eq!(attr(app, "[data-testid=policy-source]", "data-source").await?, "group", "the group's own now");
        let set = o.get_state(&room, "org.qunguan.credit_policy", "").await?.context("the policy on Synapse")?;
        check_eq!(set["levels"]["fair"].as_i64(), Some(85), "the group's state holds it: {set}");
        app.shot("policy-saved").await?;
        app.find("[data-testid=tab-members]").await?.click().await?;
        app.wait(&format!("{cell}[data-level='poor']"), 30, "80 is poor under the group's own thresholds").await?;
        Ok(())
    });
}

/// A group of its own with an owner, an admin (power 100) and a plain member, on the demo's Synapse; the admin
/// warns the member through `qg` before the app starts, so the owner's Admins tab has a record to show.
#[test]
fn owner_sees_the_compliance_line_writes_the_rules_reads_an_admins_record_and_demotes_them() {
    use qunguan_tests::console::{Console, PASSWORD, create_group, unique};
    require_keyring();
    let (synapse, _) = world();
    let register = |prefix: &str| {
        qunguan_tests::RUNTIME.block_on(synapse.register(&unique(prefix), PASSWORD, false)).expect("register")
    };
    let (owner, admin, member) = (register("towner"), register("tadmin"), register("tmember"));
    let room = create_group(&synapse.base_url, &owner, &[(&admin, 100)], &[&admin, &member], "gui-tiers");
    let by_admin = Console::sign_in(&synapse.base_url, &admin);
    let warned = by_admin.act(&["warn", &room, &member.user_id, "--reason", "刷屏"]);
    assert_eq!(warned.status, "done", "the admin's warning: {warned:#?}");

    gui_test("tiers_admins", "zh_CN.UTF-8", async |app| {
        let o = MatrixClient::new(&synapse.base_url, &owner.access_token);
        app.sign_in(&synapse.base_url, &owner.user_id, &owner.password).await?;
        // The group list marks the group: it has no written rules.
        let row = format!("[data-testid=group-row][data-group-id='{room}']");
        app.wait(&format!("{row} [data-testid=group-compliance-marker]"), 90, "the shortfall marker in the list")
            .await?;
        app.shot("groups-marker").await?;
        app.find(&format!("[data-testid=sidebar-group][data-group-id='{room}']")).await?.click().await?;
        let line = app.wait("[data-testid=group-compliance]", 60, "the compliance line on the group screen").await?;
        let kinds = line.attr("data-kinds").await?.unwrap_or_default();
        ensure!(kinds.split(' ').any(|k| k == "no_rules"), "no written rules: {kinds:?}");
        let text = app.text("[data-testid=group-shortfall][data-kind=no_rules]").await?;
        check_eq!(text, "尚未设置书面群规", "the shortfall in Chinese");
        app.shot("compliance").await?;

        // The Rules tab: the owner writes the rules; the shortfall goes.
        app.find("[data-testid=tab-rules]").await?.click().await?;
        app.wait("[data-testid=group-rules-empty]", 10, "no rules yet").await?;
        app.find("[data-testid=group-rules-edit]").await?.click().await?;
        let rules = "1. 不发广告\n2. 不发他人隐私\n3. 友善交流";
        let input = app.wait("[data-testid=group-rules-input]", 5, "the rules editor").await?;
        for (i, line) in rules.lines().enumerate() {
            if i > 0 {
                input.send_keys(&Key::Enter).await?;
            }
            input.send_keys(line).await?;
        }
        app.shot("rules-editor").await?;
        app.find("[data-testid=group-rules-save]").await?.click().await?;
        app.wait("[data-testid=group-rules-text]", 30, "the rules as saved").await?;
        check_eq!(app.text("[data-testid=group-rules-text]").await?, rules);
        let state = o.get_state(&room, "org.qunguan.rules", "").await?.context("the rules event on Synapse")?;
        check_eq!(state["text"].as_str(), Some(rules), "the group's state holds the rules");
        let no_rules_gone = "const l = document.querySelector('[data-testid=group-compliance]'); \
                             return !l || !l.dataset.kinds.split(' ').includes('no_rules')";
        app.until(no_rules_gone, 60, "the no_rules shortfall gone after saving").await?;
        app.shot("rules-saved").await?;

        // The Admins tab, from the keyboard: on a focused tab, → goes to the next one.
        app.find("[data-testid=tab-rules]").await?.send_keys(&Key::Right).await?;
        let admin_row = format!("[data-testid=admin-row][data-user-id='{}']", admin.user_id);
        app.wait(&admin_row, 60, "the admin's record on the Admins tab").await?;
        check_eq!(
            attr(app, "[data-testid=tab-admins]", "aria-selected").await?,
            "true",
            "→ from Rules chose the Admins tab"
        );
        app.find(&admin_row).await?.click().await?;
        app.wait(&format!("[data-testid=admin-card][data-user-id='{}']", admin.user_id), 5, "the admin's card").await?;
        let warns = "[data-testid=admin-actions] [data-kind=warn]";
        app.wait(warns, 10, "the admin's warning counted").await?;
        check_eq!(attr(app, warns, "data-count").await?, "1", "one warning");
        check_eq!(attr(app, "[data-testid=admin-refused]", "data-count").await?, "0");
        app.shot("admins").await?;

        // Demote: the action dialog (a role change to member, with a reason), then Synapse has them at the default.
        app.find("[data-testid=admin-demote]").await?.click().await?;
        app.wait("[data-testid=action-dialog][data-action=demote]", 5, "the demote dialog").await?;
        check_eq!(attr(app, "[data-testid=action-target]", "data-user-id").await?, admin.user_id);
        app.wait("[data-testid=action-group-rules]", 5, "the group's rules, folded, in the dialog").await?;
        app.find("[data-testid=action-group-rules] summary").await?.click().await?;
        check_eq!(app.text("[data-testid=action-group-rules-text]").await?, rules, "the rules read in the dialog");
        app.find("[data-testid=action-reason]").await?.send_keys("长期不处理举报").await?;
        app.shot("demote-dialog").await?;
        app.find("[data-testid=action-confirm]").await?.click().await?;
        let toast = app.wait("[data-testid=toast][data-status=done]", 60, "the demote done").await?;
        ensure!(toast.attr("data-case-id").await?.is_some_and(|c| !c.is_empty()), "the toast names the case");
        let level = qunguan_tests::console::user_level(&o, &room, &admin.user_id).await?;
        ensure!(level.unwrap_or(0) < 50, "the admin has no power on Synapse any more: {level:?}");
        app.wait(&format!("{admin_row}[data-role=member]"), 60, "the record lists them as a member now").await?;
        app.shot("demoted").await?;
        Ok(())
    });
}

#[test]
fn slash_on_the_messages_tab_searches_the_group_and_shows_masked_highlighted_hits() {
    require_keyring();
    let (synapse, world) = world();
    gui_test("search", "zh_CN.UTF-8", async |app| {
        let tech = world.group("tech");
        let sender = plain_member(synapse, world, 3).await?;
        let member = MatrixClient::new(&synapse.base_url, &sender.access_token);
        let nonce = std::process::id();
        let hit_id = member.send_text(&tech.room_id, &format!("{nonce} 北京大学发红包 电话 13812345678")).await?;
        let spaced_id = member.send_text(&tech.room_id, &format!("{nonce} 北京 大学")).await?;

        open_tech_as_owner(app, synapse, world).await?;
        app.find("[data-testid=tab-messages]").await?.click().await?;
        app.wait(&format!("[data-testid=message-row][data-event-id='{spaced_id}']"), 60, "the messages").await?;
        press(app, '/').await?;
        app.wait(&format!("[data-testid=search-screen][data-group-id='{}']", tech.room_id), 5, "search in this group")
            .await?;
        app.until("return document.activeElement?.dataset.testid === 'search-input'", 5, "the search box focused")
            .await?;
        type_text(app, &format!("{nonce} 北京大")).await?;
        app.shot("search-typed").await?;
        // The app follows the group: the message is stored and indexed within a round or two.
        let hit_css = format!("[data-testid=search-hit][data-event-id='{hit_id}']");
        let spaced_css = format!("[data-testid=search-hit][data-event-id='{spaced_id}']");
        let mut found = false;
        for _ in 0..20 {
            if !app.all(&hit_css).await?.is_empty() {
                found = true;
                break;
            }
            // Search again (the text changes and comes back).
            let input = app.find("[data-testid=search-input]").await?;
            input.send_keys(" ").await?;
            input.send_keys(&Key::Backspace).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        ensure!(found, "the message found by its nonce and 北京大");
        ensure!(app.all(&spaced_css).await?.is_empty(), "北京 大学 has a break where the query has none");
        let marks: Vec<String> = {
            let mut out = Vec::new();
            for m in app.all(&format!("{hit_css} [data-testid=search-match]")).await? {
                out.push(m.text().await?);
            }
            out
        };
        check_eq!(marks, [format!("{nonce} 北京大")], "the match marked in the context");
        let shown = app.text(&format!("{hit_css} [data-testid=search-hit-text]")).await?;
        ensure!(shown.contains("138****5678") && !shown.contains("13812345678"), "masked in the hit: {shown:?}");
        app.shot("search-results").await?;

        // Down from the box selects the first hit: the whole message in the detail pane, still masked.
        app.find("[data-testid=search-input]").await?.send_keys(&Key::Down).await?;
        let card = app.wait("[data-testid=search-hit-card]", 5, "the hit's card").await?;
        let card_text = card.text().await?;
        ensure!(card_text.contains("138****5678") && !card_text.contains("13812345678"), "masked: {card_text:?}");
        app.shot("search-hit-card").await?;

        // All my groups from the scope chips finds it too; Esc goes back to the Messages tab.
        app.find("[data-testid=search-scope-all]").await?.click().await?;
        app.wait("[data-testid=search-scope-all][aria-checked=true]", 5, "every group").await?;
        app.wait(&hit_css, 30, "the hit across all groups").await?;
        app.client.execute("document.activeElement?.blur()", vec![]).await?;
        press(app, Key::Escape.into()).await?;
        app.wait("[data-testid=tab-messages][aria-selected=true]", 5, "back on the Messages tab").await?;

        // `g s`: the search across every group, from anywhere.
        press(app, 'g').await?;
        press(app, 's').await?;
        app.wait("[data-testid=search-screen][data-group-id='']", 5, "search across all groups after g s").await?;
        app.wait("[data-testid=search-idle]", 5, "nothing searched yet").await?;
        type_text(app, "!!!").await?;
        app.wait("[data-testid=search-invalid]", 10, "a query with nothing to look for is refused").await?;
        app.shot("search-refused").await?;
        Ok(())
    });
}
