// Keyboard: the shell owns one keydown listener and hands list keys to whichever screen is showing.
// Keys (and the help overlay) list only what exists: j/k, Enter, /, g g, Esc, ?, w/m/x/b where a member (or a
// message's sender) is selected and the group allows the action, r/e where a message is selected.

/** The member actions with a key: w warn · m mute · x kick · b ban. */
export type MemberAction = 'warn' | 'mute' | 'kick' | 'ban';
/** The actions on a message with a key of their own: r remove · e escalate (report to the platform). */
export type MessageAction = 'remove' | 'report';
/** Every action with a key. */
export type KeyedAction = MemberAction | MessageAction;
export const ACTION_KEYS: Record<KeyedAction, string> = {
  warn: 'w',
  mute: 'm',
  kick: 'x',
  ban: 'b',
  remove: 'r',
  report: 'e',
};
/** The reversals the action dialog also does: unmute (a muted member's card; `u` in the queue), unban (`u`). */
export type UndoAction = 'unmute' | 'unban';
/** Taking a manager's powers away (the Admins tab): a role change to member, without a key of its own. */
export type StewardAction = 'demote';
/** What the action dialog does: the keyed actions, the reversals and demoting a manager. */
export type DialogAction = KeyedAction | UndoAction | StewardAction;
/** Whether a dialog action is one with a key (not a reversal, not a demote). */
export function isKeyed(action: DialogAction): action is KeyedAction {
  return Object.hasOwn(ACTION_KEYS, action);
}
export function actionKey(action: DialogAction): string | null {
  return action === 'unmute' || action === 'unban' || action === 'demote' ? null : ACTION_KEYS[action];
}
/** The queue's own keys: c claim (release if mine) · d dismiss · u undo the last action. */
export const QUEUE_KEYS = { claim: 'c', dismiss: 'd', undo: 'u' } as const;
export interface ScreenKeys {
  /** j / k: move the selection by `delta` rows. */
  move(delta: number): void;
  /** Enter: open the selected row, where rows open. */
  open?(): void;
  /** /: focus this screen's search box. */
  focusSearch?(): void;
  /** w / m / x / b / r / e: open the action dialog; false when the action is not offered here (the key does nothing). */
  act?(action: KeyedAction): boolean;
  /** c: claim the selected item (release it if mine). */
  claim?(): boolean;
  /** d: dismiss the selected item (asks the reason). */
  dismiss?(): boolean;
  /** u: undo the last action where the platform allows (or say why not). */
  undo?(): boolean;
}

/** j / k in a list of `length` rows: the index `delta` rows from `current`, kept inside the list; with nothing
 * selected (`current` < 0), the first row going down and the last going up. -1 for an empty list. */
export function moveIndex(length: number, current: number, delta: number): number {
  if (length === 0) return -1;
  if (current < 0) return delta > 0 ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, current + delta));
}

let active: ScreenKeys | null = null;

/** Called from a screen's `$effect`; returns the cleanup. */
export function useScreenKeys(keys: ScreenKeys): () => void {
  active = keys;
  return () => {
    if (active === keys) active = null;
  };
}

export function activeScreenKeys(): ScreenKeys | null {
  return active;
}

export function isTextInput(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color'].includes(el.type);
  }
  return false;
}
