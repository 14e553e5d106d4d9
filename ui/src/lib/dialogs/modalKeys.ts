// The keyboard of a modal dialog. It owns every key while open (nothing reaches the list below):
// Esc cancels unless it is busy, Enter confirms except on a focused button or select (they do their own thing on
// Enter), and Tab keeps focus inside the dialog.

export interface ModalKeys {
  busy: boolean;
  close(): void;
  submit(): void;
}

export function modalKeydown(e: KeyboardEvent, dialog: HTMLElement | undefined, keys: ModalKeys): void {
  e.stopPropagation();
  if (e.isComposing) return;
  if (e.key === 'Escape') {
    e.preventDefault();
    if (!keys.busy) keys.close();
  } else if (e.key === 'Enter' && !e.shiftKey) {
    if ((e.target as HTMLElement | null)?.closest('button, select')) return;
    e.preventDefault();
    keys.submit();
  } else if (e.key === 'Tab' && dialog) {
    const items = [
      ...dialog.querySelectorAll<HTMLElement>('button:not(:disabled), input:not(:disabled), textarea, select'),
    ];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      last.focus();
      e.preventDefault();
    } else if (!e.shiftKey && document.activeElement === last) {
      first.focus();
      e.preventDefault();
    }
  }
}
