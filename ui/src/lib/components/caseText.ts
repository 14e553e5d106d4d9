// Translated names for raw action and status values from the case log; an unknown action shows as itself.
import type { Action, Status, Why } from '../api';
import { t, type MessageKey } from '../i18n/index.svelte';

// Keyed by the generated `Action` names, so a new action is a type error here until it has a label.
const ACTION_KEYS: Record<Action['action'] | 'report' | 'demote', MessageKey> = {
  warn: 'action.kind.warn',
  mute: 'action.kind.mute',
  unmute: 'action.kind.unmute',
  remove: 'action.kind.remove',
  kick: 'action.kind.kick',
  ban: 'action.kind.ban',
  unban: 'action.kind.unban',
  lock: 'action.kind.lock',
  unlock: 'action.kind.unlock',
  role: 'action.kind.role',
  // The Admins tab's demote is a `role` case; its toast names it as the owner chose it.
  demote: 'action.kind.demote',
  report: 'action.kind.report',
  reveal: 'action.kind.reveal',
  staff_resolve: 'action.kind.staff_resolve',
  staff_suspend: 'action.kind.staff_suspend',
  staff_unsuspend: 'action.kind.staff_unsuspend',
  staff_deactivate: 'action.kind.staff_deactivate',
  staff_close: 'action.kind.staff_close',
  report_message: 'action.kind.report',
  report_member: 'action.kind.report',
  report_group: 'action.kind.report',
  dismiss: 'action.kind.dismiss',
  blocklist_add: 'action.kind.blocklist_add',
  blocklist_remove: 'action.kind.blocklist_remove',
};

const STATUS_KEYS: Record<Status, MessageKey> = {
  done: 'case.status.done',
  queued: 'case.status.queued',
  refused: 'case.status.refused',
  conflict: 'case.status.conflict',
  failed: 'case.status.failed',
  expired: 'case.status.expired',
  cancelled: 'case.status.cancelled',
};

export function actionLabel(action: string): string {
  const key = (ACTION_KEYS as Record<string, MessageKey | undefined>)[action];
  return key ? t(key) : action;
}

export function statusLabel(status: Status): string {
  return t(STATUS_KEYS[status]);
}

/** Why an action was refused or conflicted, in the UI language; `detail` is the engine's English text. */
export function whyText(why: Why, detail: string): string {
  switch (why.code) {
    case 'not_allowed':
      return t('why.not_allowed', { action: actionLabel(why.capability) });
    case 'target_too_powerful':
      return t('why.target_too_powerful', { target: why.target, role: t(`member.role.${why.role}`) });
    case 'above_own_level':
      return t('why.above_own_level', { target: why.target });
    case 'self_target':
      return t('why.self_target');
    case 'not_in_group':
      return t('why.not_in_group');
    case 'not_member':
      return t('why.not_member', { target: why.target });
    case 'message_unknown':
      return t('why.message_unknown');
    case 'already_removed':
      return t('why.already_removed');
    case 'no_account':
      return t('why.no_account', { target: why.target });
    case 'platform_refused':
      return t('why.platform_refused', { detail });
  }
}
