// The one door to the Rust side. No other module imports `@tauri-apps/*`.
//
// Every command rejects with an `ApiError` (`{code, message}`); anything else that comes back from a rejection
// (a string, an Error, a missing Tauri runtime) is normalised into that shape with code `internal`, so callers
// can always switch on `code` and never on message text.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import type { Account } from './bindings/Account';
import type { Action } from './bindings/Action';
import type { AdminRecord } from './bindings/AdminRecord';
import type { Compliance } from './bindings/Compliance';
import type { ActionOutcome } from './bindings/ActionOutcome';
import type { ActionPreview } from './bindings/ActionPreview';
import type { AuditReport } from './bindings/AuditReport';
import type { CaseView } from './bindings/CaseView';
import type { OutboxView } from './bindings/OutboxView';
import type { ApiError } from './bindings/ApiError';
import type { ConnectionStatus } from './bindings/ConnectionStatus';
import type { Credit } from './bindings/Credit';
import type { ErrorCode } from './bindings/ErrorCode';
import type { FollowStatus } from './bindings/FollowStatus';
import type { Group } from './bindings/Group';
import type { ItemState } from './bindings/ItemState';
import type { Lang } from './bindings/Lang';
import type { Member } from './bindings/Member';
import type { MessageView } from './bindings/MessageView';
import type { NotifyPrefs } from './bindings/NotifyPrefs';
import type { PolicyView } from './bindings/PolicyView';
import type { QueueItem } from './bindings/QueueItem';
import type { RuleView } from './bindings/RuleView';
import type { SearchPage } from './bindings/SearchPage';
import type { SearchQuery } from './bindings/SearchQuery';
import type { Revealed } from './bindings/Revealed';
import type { StaffItem } from './bindings/StaffItem';
import type { Status } from './bindings/Status';
import type { WarningPreview } from './bindings/WarningPreview';

export type { Account } from './bindings/Account';
export type { Action } from './bindings/Action';
export type { ActionOutcome } from './bindings/ActionOutcome';
export type { ActionPreview } from './bindings/ActionPreview';
export type { AuditReport } from './bindings/AuditReport';
export type { CaseView } from './bindings/CaseView';
export type { OutboxView } from './bindings/OutboxView';
export type { Status } from './bindings/Status';
export type { ApiError } from './bindings/ApiError';
export type { Capability } from './bindings/Capability';
export type { ConnectionStatus } from './bindings/ConnectionStatus';
export type { ChangeKind } from './bindings/ChangeKind';
export type { Credit } from './bindings/Credit';
export type { CreditChange } from './bindings/CreditChange';
export type { CreditPolicy } from './bindings/CreditPolicy';
export type { CreditSummary } from './bindings/CreditSummary';
export type { LadderStanding } from './bindings/LadderStanding';
export type { LadderStep } from './bindings/LadderStep';
export type { Level } from './bindings/Level';
export type { Measure } from './bindings/Measure';
export type { PolicySource } from './bindings/PolicySource';
export type { PolicyView } from './bindings/PolicyView';
export type { Sanction } from './bindings/Sanction';
export type { ErrorCode } from './bindings/ErrorCode';
export type { FollowPhase } from './bindings/FollowPhase';
export type { FollowStatus } from './bindings/FollowStatus';
export type { Group } from './bindings/Group';
export type { ItemState } from './bindings/ItemState';
export type { NotifyPrefs } from './bindings/NotifyPrefs';
export type { QueueItem } from './bindings/QueueItem';
export type { Report } from './bindings/Report';
export type { ReporterRecord } from './bindings/ReporterRecord';
export type { ReportVia } from './bindings/ReportVia';
export type { Source } from './bindings/Source';
export type { Member } from './bindings/Member';
export type { Membership } from './bindings/Membership';
export type { Flag } from './bindings/Flag';
export type { MessageView } from './bindings/MessageView';
export type { RuleView } from './bindings/RuleView';
export type { ContextRun } from './bindings/ContextRun';
export type { SearchHit } from './bindings/SearchHit';
export type { SearchPage } from './bindings/SearchPage';
export type { SearchQuery } from './bindings/SearchQuery';
export type { Revealed } from './bindings/Revealed';
export type { StaffItem } from './bindings/StaffItem';
export type { StaffReport } from './bindings/StaffReport';
export type { Segment } from './bindings/Segment';
export type { Severity } from './bindings/Severity';
export type { Role } from './bindings/Role';
export type { Tier } from './bindings/Tier';
export type { Why } from './bindings/Why';
export type { AdminRecord } from './bindings/AdminRecord';
export type { Compliance } from './bindings/Compliance';
export type { Expectations } from './bindings/Expectations';
export type { Shortfall } from './bindings/Shortfall';

// A record (not an array) so that a new code in the generated enum is a type error here until it is listed.
const ERROR_CODES: Record<ErrorCode, true> = {
  auth_invalid_credentials: true,
  auth_invalid_token: true,
  not_signed_in: true,
  homeserver_unreachable: true,
  not_a_homeserver: true,
  keyring_unavailable: true,
  invalid_input: true,
  invalid_file: true,
  not_found: true,
  forbidden: true,
  rate_limited: true,
  platform: true,
  store: true,
  internal: true,
};

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, v);
}

/** Whatever a command rejected with, as an `ApiError`. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (isErrorCode(o.code)) {
      return { code: o.code, message: typeof o.message === 'string' ? o.message : '' };
    }
    if (e instanceof Error) return { code: 'internal', message: e.message };
    try {
      return { code: 'internal', message: JSON.stringify(e) };
    } catch {
      return { code: 'internal', message: String(e) };
    }
  }
  if (typeof e === 'string') {
    // A command that serialised its error as a JSON string.
    try {
      const parsed: unknown = JSON.parse(e);
      if (parsed && typeof parsed === 'object' && isErrorCode((parsed as Record<string, unknown>).code)) {
        return toApiError(parsed);
      }
    } catch {
      // Not JSON: a plain message.
    }
    return { code: 'internal', message: e };
  }
  return { code: 'internal', message: e === undefined ? '' : String(e) };
}

export function isApiError(e: unknown): e is ApiError {
  return !!e && typeof e === 'object' && isErrorCode((e as Record<string, unknown>).code);
}

/**
 * An `Action` as it crosses IPC. IPC is JSON, which has no bigint: the generated type gives the mute's and the timed
 * ban's `u64` seconds as a plain number (≤ one year fits easily), so an action goes as it is typed.
 */
export type ActionInput = Action;

/** Every status of an `ActionOutcome` / `CaseView` / `OutboxView` (the generated `Status`), at run time. */
const STATUS_SET: Record<Status, true> = {
  queued: true,
  done: true,
  refused: true,
  conflict: true,
  failed: true,
  expired: true,
  cancelled: true,
};
export const CASE_STATUSES = Object.keys(STATUS_SET) as readonly Status[];
export function isCaseStatus(v: string): v is Status {
  return Object.hasOwn(STATUS_SET, v);
}

/** Language of the warning text the member sees (the generated `Lang`). */
export type WarningLang = Lang;

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}

export const api = {
  /** The signed-in account (keyring or env), else null. */
  sessionRestore: () => call<Account | null>('session_restore'),
  signInPassword: (homeserver: string, user: string, password: string) =>
    call<Account>('sign_in_password', { homeserver, user, password }),
  signInToken: (homeserver: string, token: string) => call<Account>('sign_in_token', { homeserver, token }),
  signOut: () => call<null>('sign_out'),
  /** Groups where I am owner, admin or moderator. */
  listGroups: () => call<Group[]>('list_groups'),
  /** Members of a group; `group` is the room ID. */
  listMembers: (group: string) => call<Member[]>('list_members', { group }),
  /** Why the group's case-log pointer is not followed (English, names who set it), or null. */
  caseLogWarning: (group: string) => call<string | null>('case_log_warning', { group }),
  /** The group's latest messages, oldest first: personal data already masked, findings flagged. */
  listMessages: (group: string, limit?: number) => call<MessageView[]>('list_messages', { group, limit }),
  /** One message with its personal data shown; records a `reveal` case with the reason first. */
  revealMessage: (group: string, eventId: string, reason: string) =>
    call<Revealed>('reveal_message', { group, eventId, reason }),
  /** The cached messages of one group or all of mine that match, newest first, masked, the matches marked. */
  searchMessages: (query: SearchQuery) => call<SearchPage>('search_messages', { query }),
  /** Is the signed-in account a server admin (platform staff)? */
  staffStatus: () => call<boolean>('staff_status'),
  /** Platform staff: event and user reports, newest first, reported text masked. */
  staffInbox: () => call<StaffItem[]>('staff_inbox'),
  /** Platform staff: one measure (`staff_*` actions), recorded as a case. */
  staffAct: (action: Action, reason: string) => call<ActionOutcome>('staff_act', { action, reason }),
  /** The rules a case can cite (the rule picker, the Rules tab). */
  listRules: () => call<RuleView[]>('list_rules'),
  /** Online, or the time of the cached data being shown while the server cannot be reached. */
  connectionStatus: () => call<ConnectionStatus>('connection_status'),
  /**
   * Decides and carries out one action; the outcome is `done`, `queued` (carried out when the server is back),
   * `refused` or `conflict`, each with a case. Rejects (e.g. `invalid_input` for an empty reason) without a case.
   */
  act: (group: string, action: ActionInput, reason: string, rule: string | null, lang: WarningLang) =>
    call<ActionOutcome>('act', { group, action, reason, rule, lang }),
  /** The text a warning will carry, from the engine's template: the action dialog's preview. */
  warningPreview: (preview: WarningPreview) => call<string>('warning_preview', { preview }),
  /** Cases, oldest first; `group` (room ID) and `user` narrow the list. */
  listCases: (group: string | null, user: string | null) => call<CaseView[]>('list_cases', { group, user }),
  /** My recent reasons, newest first (kept in the encrypted store, per account). */
  recentReasons: () => call<string[]>('recent_reasons'),
  /** Puts a reason first among my recent ones. */
  rememberReason: (reason: string) => call<null>('remember_reason', { reason }),
  /** The outbox: decided actions and where they stand. */
  listOutbox: () => call<OutboxView[]>('list_outbox'),
  /** Ends a queued action without carrying it out: `cancelled`, with the reason recorded in its case. */
  cancelOutbox: (caseId: string, reason: string) =>
    call<ActionOutcome>('cancel_outbox', { caseId, reason }),
  /** Checks the hash chain of the case log. */
  auditVerify: () => call<AuditReport>('audit_verify'),
  /** The OS locale as a BCP 47 tag, e.g. `zh-CN`. */
  systemLocale: () => call<string>('system_locale'),
  /** The flagged queue, most severe then oldest: open items unless `itemState` says otherwise; `group` narrows it. */
  listQueue: (group: string | null, itemState: ItemState | null, limit?: number) =>
    call<QueueItem[]>('list_queue', { group, itemState, limit }),
  /** One item with up to `context` stored messages either side (masked). */
  queueItem: (id: string, context: number) => call<[QueueItem, MessageView[]]>('queue_item', { id, context }),
  /** Claims an item for me; `force` takes it over from another admin (asked first). */
  claimItem: (id: string, force: boolean) => call<QueueItem>('claim_item', { id, force }),
  /** Releases my claim (another admin's only with `force`). */
  releaseItem: (id: string, force: boolean) => call<QueueItem>('release_item', { id, force }),
  /** Closes an item without acting, with a reason (a `dismiss` case); `force` when another admin holds it. */
  dismissItem: (id: string, reason: string, force: boolean) =>
    call<ActionOutcome>('dismiss_item', { id, reason, force }),
  /** Decides an item with an action on its message or sender; the item leaves the open queue. */
  actOnItem: (id: string, action: ActionInput, reason: string, rule: string | null, lang: WarningLang, force: boolean) =>
    call<ActionOutcome>('act_on_item', { id, action, reason, rule, lang, force }),
  /** Where following the groups stands (the latest round). */
  followStatus: () => call<FollowStatus>('follow_status'),
  /** The notification settings (kept by the UI, used by the app when a round brings high-severity items). */
  setNotifyPrefs: (prefs: NotifyPrefs) => call<null>('set_notify_prefs', { prefs }),

  // Group tiers and the managers' record.
  /** Sets a group's written rules (checked); resolves to the text as stored. */
  setGroupRules: (group: string, text: string) => call<string>('set_group_rules', { group, text }),
  /** Each managed group's standing against its size tier (`group`: only that one). */
  groupCompliance: (group: string | null) => call<Compliance[]>('group_compliance', { group }),
  /** Each manager's record in a group (room ID). */
  adminRecords: (group: string) => call<AdminRecord[]>('admin_records', { group }),
  /** A member's credit in a group (room ID): score, level, every change explained, the ladder standing. */
  credit: (group: string, user: string) => call<Credit>('credit', { group, user }),
  /** A member's credit across all my groups (first, `group` null), then per group they have cases in. */
  creditEverywhere: (user: string) => call<Credit[]>('credit_everywhere', { user }),
  /** Before confirming an action on a member: their credit now and where the action puts them on the ladder. */
  actionPreview: (group: string, action: ActionInput) => call<ActionPreview>('action_preview', { group, action }),
  /** The credit policy in effect for `group` (null: this console's default) and where it comes from. */
  creditPolicy: (group: string | null) => call<PolicyView>('credit_policy', { group }),
  /**
   * Checks a policy's JSON and makes it `group`'s own (owners and admins; null: this console's default). Rejects
   * with `invalid_input` naming the field, and then nothing is applied.
   */
  setCreditPolicy: (group: string | null, text: string) => call<PolicyView>('set_credit_policy', { group, text }),
};

/** Calls `handler` with each round's summary (the app follows the groups live); resolves to the unsubscribe. */
export function onQueueChanged(handler: (status: FollowStatus) => void): Promise<UnlistenFn> {
  return listen<FollowStatus>('queue-changed', (e) => handler(e.payload)).catch(() => () => {});
}

/** Calls `handler` with an item's ID when its desktop notification is clicked. */
export function onQueueOpen(handler: (id: string) => void): Promise<UnlistenFn> {
  return listen<string>('queue-open', (e) => handler(e.payload)).catch(() => () => {});
}
