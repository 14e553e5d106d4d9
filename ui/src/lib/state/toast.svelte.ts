// Toasts: the outcome of an action (its case ID and status), shown at the bottom right until closed or timed out.
import type { Status, Why } from '../api';

export interface Toast {
  id: number;
  caseId: string;
  status: Status;
  /** The engine's detail (why refused / what conflicted); plain text, English. */
  detail: string;
  /** The same as data, shown translated when present. */
  why?: Why | undefined;
  /** The action, as a raw value (`mute`…), for the title. */
  action: string;
}

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(t: Omit<Toast, 'id'>, ms = 10_000): void {
    const id = this.#next++;
    this.items = [...this.items.slice(-3), { ...t, id }];
    setTimeout(() => this.close(id), ms);
  }

  close(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }

  reset(): void {
    this.items = [];
  }
}

export const toasts = new Toasts();
