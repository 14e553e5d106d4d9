// Translated names for raw action and status values from the case log; an unknown value shows as itself.
import { t, type MessageKey } from '../i18n/index.svelte';

const ACTION_KEYS: Record<string, MessageKey> = {
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
  report_message: 'action.kind.report',
  report_member: 'action.kind.report',
  report_group: 'action.kind.report',
};

const STATUS_KEYS: Record<string, MessageKey> = {
  done: 'case.status.done',
  queued: 'case.status.queued',
  refused: 'case.status.refused',
  conflict: 'case.status.conflict',
};

export function actionLabel(action: string): string {
  const key = ACTION_KEYS[action];
  return key ? t(key) : action;
}

export function statusLabel(status: string): string {
  const key = STATUS_KEYS[status];
  return key ? t(key) : status;
}
