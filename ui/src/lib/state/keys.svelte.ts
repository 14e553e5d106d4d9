// Keyboard: the shell owns one keydown listener and hands list keys to whichever screen is showing.
// Keys (and the help overlay) list only what exists: j/k, Enter, /, g g, Esc, ?, and w/m/x/b where a member is
// selected and the group allows the action.

/** The member actions with a key: w warn · m mute · x kick · b ban. */
export type MemberAction = 'warn' | 'mute' | 'kick' | 'ban';
export const ACTION_KEYS: Record<MemberAction, string> = { warn: 'w', mute: 'm', kick: 'x', ban: 'b' };
/** What the action dialog does: the keyed actions, and unmute (a button on a muted member's card, no key). */
export type DialogAction = MemberAction | 'unmute';
export function actionKey(action: DialogAction): string | null {
  return action === 'unmute' ? null : ACTION_KEYS[action];
}
export interface ScreenKeys {
  /** j / k: move the selection by `delta` rows. */
  move(delta: number): void;
  /** Enter: open the selected row, where rows open. */
  open?(): void;
  /** /: focus this screen's search box. */
  focusSearch?(): void;
  /** w / m / x / b: open the action dialog; false when the action is not offered here (the key does nothing). */
  act?(action: MemberAction): boolean;
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
