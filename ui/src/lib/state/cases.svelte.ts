// The case log as the UI reads it: per group, or per group and member. Lists reload when an action was taken.
import { api, toApiError, type ApiError, type CaseView } from '../api';
import type { LoadState } from './groups.svelte';

/** Bumped after every action, so open case lists reload. */
export const caseLog = $state({ version: 0 });

export class CaseList {
  state = $state<LoadState>('idle');
  /** Newest first (the command answers oldest first). */
  cases = $state.raw<CaseView[]>([]);
  error = $state<ApiError | null>(null);
  #seq = 0;

  constructor(
    readonly group: string | null,
    readonly user: string | null,
  ) {}

  async load(): Promise<void> {
    const seq = ++this.#seq;
    // A reload keeps the rows on screen; only the first load shows the spinner.
    if (this.state !== 'ready') this.state = 'loading';
    this.error = null;
    try {
      const list = await api.listCases(this.group, this.user);
      if (seq !== this.#seq) return;
      this.cases = [...list].reverse();
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    }
  }
}
