// Platform-staff mode: whether the account is a server admin (checked once per session), and the report inbox.
import { api, toApiError, type ApiError, type StaffItem } from '../api';
import type { LoadState } from './groups.svelte';

class StaffStore {
  /** `null` until known; a failed check counts as not staff (the inbox is simply not offered). */
  isStaff = $state<boolean | null>(null);
  state = $state<LoadState>('idle');
  /** Newest first, as the engine answers. */
  items = $state.raw<StaffItem[]>([]);
  error = $state<ApiError | null>(null);
  #seq = 0;

  async check(): Promise<void> {
    try {
      this.isStaff = await api.staffStatus();
    } catch {
      this.isStaff = false;
    }
    if (this.isStaff) void this.load();
  }

  async load(): Promise<void> {
    const seq = ++this.#seq;
    if (this.state !== 'ready') this.state = 'loading';
    this.error = null;
    try {
      const items = await api.staffInbox();
      if (seq !== this.#seq) return;
      this.items = items;
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    }
  }

  reset(): void {
    this.#seq++;
    this.isStaff = null;
    this.state = 'idle';
    this.items = [];
    this.error = null;
  }
}

export const staff = new StaffStore();

/** The staff measures, in the order the detail pane offers them. */
export type StaffMeasure = 'resolve' | 'suspend' | 'unsuspend' | 'deactivate' | 'close';
