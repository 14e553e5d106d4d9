// Platform-staff mode: whether the account is a server admin (checked once per session), and the report inbox.
import { api, type StaffItem } from '../api';
import { Loader } from './loader.svelte';

/** The report inbox, newest first as the engine answers; a reload keeps the rows on screen. */
class StaffStore extends Loader<StaffItem[]> {
  /** `null` until known; a failed check counts as not staff (the inbox is simply not offered). */
  isStaff = $state<boolean | null>(null);

  constructor() {
    super(() => api.staffInbox(), [], { inPlace: true });
  }

  get items(): StaffItem[] {
    return this.value;
  }

  async check(): Promise<void> {
    try {
      this.isStaff = await api.staffStatus();
    } catch {
      this.isStaff = false;
    }
    if (this.isStaff) void this.load();
  }

  override reset(): void {
    super.reset();
    this.isStaff = null;
  }
}

export const staff = new StaffStore();

/** The staff measures, in the order the detail pane offers them. */
export type StaffMeasure = 'resolve' | 'suspend' | 'unsuspend' | 'deactivate' | 'close';
