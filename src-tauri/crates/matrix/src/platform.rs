//! [`MatrixPlatform`]: the platform trait over a signed-in Matrix account.

use std::collections::HashSet;

use async_trait::async_trait;
use futures::stream::{self, StreamExt, TryStreamExt};
use qunguan_core::action::{Applied, MessageSnapshot, OpContext, PlatformOp};
use qunguan_core::platform::{CaseLogRoom, Platform, SharedLog, SignedIn};
use qunguan_core::staff::{ReportRef, StaffReport};
use qunguan_core::sync::{Backfill, SyncBatch};
use qunguan_core::{Account, ApiError, ErrorCode, GroupState, MemberState};
use ruma::api::SupportedVersions;
use ruma::api::client::account::whoami;
use ruma::api::client::alias::get_alias;
use ruma::api::client::config::get_global_account_data;
use ruma::api::client::discovery::get_supported_versions;
use ruma::api::client::membership::{get_member_events, joined_rooms};
use ruma::api::client::session::logout;
use ruma::api::client::state::get_state_events;
use ruma::events::GlobalAccountDataEventType;
use ruma::{OwnedRoomAliasId, OwnedRoomId, OwnedUserId};
use tokio::sync::OnceCell;

use crate::http::{Failure, HttpClient};
use crate::log_room::is_account_chain;
use crate::state;

/// How many rooms' state is fetched at once when listing groups.
const ROOM_FETCH_CONCURRENCY: usize = 6;

/// A signed-in Matrix account: the [`Platform`] the engine acts through.
pub struct MatrixPlatform {
    http: reqwest::Client,
    pub(crate) account: Account,
    token: qunguan_core::Secret,
    client: OnceCell<HttpClient>,
    /// My account log room, once found or created (see the `log_room` module).
    pub(crate) log_room: tokio::sync::Mutex<Option<OwnedRoomId>>,
    /// The sync filter last uploaded, as (its JSON, the server's ID for it).
    pub(crate) sync_filter: tokio::sync::Mutex<Option<(String, String)>>,
}

impl MatrixPlatform {
    /// A platform for `signed_in` over `http` (the connector's client); nothing is sent yet.
    pub fn new(http: reqwest::Client, signed_in: SignedIn) -> Self {
        Self {
            http,
            account: signed_in.account,
            token: signed_in.access_token,
            client: OnceCell::new(),
            log_room: Default::default(),
            sync_filter: Default::default(),
        }
    }

    /// The client, built on first use once the server's spec versions are known.
    pub(crate) async fn client(&self) -> Result<&HttpClient, ApiError> {
        self.client
            .get_or_try_init(|| async {
                let probe = HttpClient::new(
                    self.http.clone(),
                    &self.account.homeserver,
                    SupportedVersions::from_parts(&[], &Default::default()),
                );
                let v = probe.send(get_supported_versions::Request::new()).await.map_err(Failure::into_api_error)?;
                let versions = SupportedVersions::from_parts(&v.versions, &v.unstable_features);
                Ok(HttpClient::new(self.http.clone(), &self.account.homeserver, versions)
                    .with_token(self.token.expose()))
            })
            .await
    }

    fn user_id(&self) -> Result<OwnedUserId, ApiError> {
        OwnedUserId::try_from(self.account.user_id.as_str())
            .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "stored user ID is invalid", e))
    }

    async fn direct_rooms(&self) -> Result<HashSet<String>, ApiError> {
        let client = self.client().await?;
        let request = get_global_account_data::v3::Request::new(self.user_id()?, GlobalAccountDataEventType::Direct);
        match client.send(request).await {
            Ok(r) => Ok(state::direct_rooms(r.account_data.json().get())),
            Err(f) if f.status == Some(404) => Ok(HashSet::new()),
            Err(f) => Err(f.into_api_error()),
        }
    }

    pub(crate) async fn room_state(
        &self,
        room_id: OwnedRoomId,
        direct: &HashSet<String>,
    ) -> Result<GroupState, ApiError> {
        let client = self.client().await?;
        let id = room_id.to_string();
        let response =
            client.send(get_state_events::v3::Request::new(room_id)).await.map_err(Failure::into_api_error)?;
        Ok(state::group_state(&id, response.room_state.iter().map(|raw| raw.json().get()), direct))
    }

    /// A room ID as given, or the room an alias points at.
    pub async fn resolve_room(&self, id_or_alias: &str) -> Result<OwnedRoomId, ApiError> {
        let input = id_or_alias.trim();
        if input.starts_with('#') {
            let alias = OwnedRoomAliasId::try_from(input)
                .map_err(|e| ApiError::invalid_input(format!("“{input}” is not a valid room alias: {e}")))?;
            let client = self.client().await?;
            let r = client.send(get_alias::v3::Request::new(alias)).await.map_err(|f| {
                let e = f.into_api_error();
                match e.code {
                    ErrorCode::NotFound => {
                        ApiError::new(ErrorCode::NotFound, format!("no group has the alias {input}"))
                    }
                    _ => e,
                }
            })?;
            return Ok(r.room_id);
        }
        OwnedRoomId::try_from(input)
            .map_err(|e| ApiError::invalid_input(format!("“{input}” is neither a room ID nor an alias: {e}")))
    }
}

#[async_trait]
impl Platform for MatrixPlatform {
    fn account(&self) -> &Account {
        &self.account
    }

    async fn whoami(&self) -> Result<String, ApiError> {
        let r = self.client().await?.send(whoami::v3::Request::new()).await.map_err(Failure::into_api_error)?;
        Ok(r.user_id.to_string())
    }

    async fn joined_groups(&self) -> Result<Vec<GroupState>, ApiError> {
        let client = self.client().await?;
        let rooms = client.send(joined_rooms::v3::Request::new()).await.map_err(Failure::into_api_error)?.joined_rooms;
        let direct = self.direct_rooms().await?;
        let direct = &direct;
        let states: Vec<Option<GroupState>> = stream::iter(rooms)
            .map(|room| async move {
                match self.room_state(room.clone(), direct).await {
                    Ok(s) => Ok(Some(s)),
                    // Left or lost access between the two calls: not an error for the list.
                    Err(e) if matches!(e.code, ErrorCode::Forbidden | ErrorCode::NotFound) => {
                        tracing::debug!(%room, code = e.code.as_str(), "skipping room");
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            })
            .buffer_unordered(ROOM_FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(states.into_iter().flatten().collect())
    }

    async fn group(&self, id_or_alias: &str) -> Result<GroupState, ApiError> {
        let room = self.resolve_room(id_or_alias).await?;
        let direct = self.direct_rooms().await?;
        // Synapse answers 403 both for rooms I am not in and for rooms it does not know.
        self.room_state(room, &direct).await.map_err(|e| match e.code {
            ErrorCode::Forbidden | ErrorCode::NotFound => ApiError::new(
                ErrorCode::Forbidden,
                format!("{id_or_alias} is not a group this account has joined ({})", e.message),
            ),
            _ => e,
        })
    }

    async fn members(&self, group_id: &str) -> Result<Vec<MemberState>, ApiError> {
        let room = self.resolve_room(group_id).await?;
        let client = self.client().await?;
        let r = client.send(get_member_events::v3::Request::new(room)).await.map_err(Failure::into_api_error)?;
        Ok(state::members(r.chunk.iter().map(|raw| raw.json().get())))
    }

    async fn logout(&self) -> Result<(), ApiError> {
        self.client().await?.send(logout::v3::Request::new()).await.map_err(Failure::into_api_error)?;
        Ok(())
    }

    async fn apply(&self, group_id: &str, op: &PlatformOp, ctx: &OpContext) -> Result<Applied, ApiError> {
        self.apply_op(group_id, op, ctx).await
    }

    async fn message(&self, group_id: &str, event_id: &str) -> Result<Option<MessageSnapshot>, ApiError> {
        self.message_snapshot(group_id, event_id).await
    }

    async fn context(&self, group_id: &str, event_id: &str, n: u32) -> Result<Vec<MessageSnapshot>, ApiError> {
        self.context_snapshots(group_id, event_id, n).await
    }

    async fn recent_messages(&self, group_id: &str, limit: u32) -> Result<Vec<MessageSnapshot>, ApiError> {
        self.recent_message_snapshots(group_id, limit).await
    }

    async fn set_report_words(
        &self,
        group_id: &str,
        words: &qunguan_core::report::ReportWords,
    ) -> Result<(), ApiError> {
        let room = crate::actions::parse::<OwnedRoomId>("room ID", group_id)?;
        let content = serde_json::json!({"commands": words.commands, "emoji": words.emoji});
        self.put_state_key(&room, ruma::events::StateEventType::from(state::REPORT_WORDS_EVENT), "", &content).await
    }

    async fn set_rules(&self, group_id: &str, text: &str) -> Result<(), ApiError> {
        let room = crate::actions::parse::<OwnedRoomId>("room ID", group_id)?;
        let content = serde_json::json!({ "text": text });
        self.put_state_key(&room, ruma::events::StateEventType::from(state::RULES_EVENT), "", &content).await
    }

    async fn set_credit_policy(
        &self,
        group_id: &str,
        policy: &qunguan_core::credit::CreditPolicy,
    ) -> Result<(), ApiError> {
        let room = crate::actions::parse::<OwnedRoomId>("room ID", group_id)?;
        let event = ruma::events::StateEventType::from(state::CREDIT_POLICY_EVENT);
        self.put_state_key(&room, event, "", &policy.to_value()).await
    }

    async fn claims(&self, room: &str) -> Result<Vec<qunguan_core::queue::Claim>, ApiError> {
        self.claim_events(room).await
    }

    async fn put_claim(&self, room: &str, group: &str, item: &str, until_ms: Option<i64>) -> Result<(), ApiError> {
        self.put_claim_event(room, group, item, until_ms).await
    }

    async fn sync(
        &self,
        since: Option<&str>,
        groups: &[String],
        logs: &[String],
        timeout_ms: u64,
    ) -> Result<SyncBatch, ApiError> {
        self.sync_round(since, groups, logs, timeout_ms).await
    }

    async fn backfill(&self, group_id: &str, from: &str, limit: u32) -> Result<Backfill, ApiError> {
        self.backfill_page(group_id, from, limit).await
    }

    async fn group_id(&self, id_or_alias: &str) -> Result<String, ApiError> {
        Ok(self.resolve_room(id_or_alias).await?.to_string())
    }

    // A group's chains live in its moderation room; my chains about no group in my account log.
    async fn case_log_room(
        &self,
        group_id: &str,
        trusted: Option<&str>,
        create: bool,
    ) -> Result<CaseLogRoom, ApiError> {
        if is_account_chain(group_id) {
            let room = self.log_room(trusted, create).await?.map(|r| r.to_string());
            return Ok(CaseLogRoom { room, warning: None });
        }
        let group = OwnedRoomId::try_from(group_id)
            .map_err(|e| ApiError::invalid_input(format!("“{group_id}” is not a room ID: {e}")))?;
        self.moderation_room(&group, trusted, create).await
    }

    async fn publish_case(
        &self,
        group_id: &str,
        room: &str,
        content: &serde_json::Value,
        txn_id: &str,
    ) -> Result<(), ApiError> {
        match is_account_chain(group_id) {
            true => self.publish_account_case(room, content, txn_id).await,
            false => self.publish_case_event(group_id, room, content, txn_id).await,
        }
    }

    async fn shared_cases(&self, group_id: &str, room: &str, since: Option<&str>) -> Result<SharedLog, ApiError> {
        match is_account_chain(group_id) {
            true => self.account_case_events(group_id, room, since).await,
            false => self.shared_case_events(group_id, room, since).await,
        }
    }

    async fn publish_chain_head(&self, group_id: &str, room: &str, head: &serde_json::Value) -> Result<(), ApiError> {
        match is_account_chain(group_id) {
            true => self.publish_account_head(room, group_id, head).await,
            false => self.publish_chain_head_event(room, head).await,
        }
    }

    async fn is_staff(&self) -> Result<bool, ApiError> {
        self.admin_is_staff().await
    }

    async fn staff_reports(&self) -> Result<Vec<StaffReport>, ApiError> {
        self.admin_reports().await
    }

    async fn staff_report_exists(&self, report: ReportRef) -> Result<bool, ApiError> {
        self.admin_report_exists(report).await
    }

    async fn staff_user_exists(&self, user_id: &str) -> Result<bool, ApiError> {
        self.admin_user_exists(user_id).await
    }

    async fn staff_room_exists(&self, room_id: &str) -> Result<bool, ApiError> {
        self.admin_room_exists(room_id).await
    }
}
