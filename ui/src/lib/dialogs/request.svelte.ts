// A decision dialog's request: one at a time, busy while it runs (and after it succeeded, while the dialog closes),
// its error kept for the dialog to show when it failed (the dialog stays open to try again).
import { api, toApiError, type ApiError } from '../api';

export class DialogRequest {
  busy = $state(false);
  error = $state<ApiError | null>(null);

  /** Runs `work` unless a request is running; its result goes to `done`. */
  async run<T>(work: () => Promise<T>, done: (result: T) => void): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    let result: T;
    try {
      result = await work();
    } catch (e) {
      this.error = toApiError(e);
      this.busy = false;
      return;
    }
    done(result);
  }
}

/** Keeps a decision's reason among the recent ones. Not kept (no store) is nothing to tell: the decision is made. */
export async function rememberReason(reason: string): Promise<void> {
  try {
    await api.rememberReason(reason);
  } catch {
    // The recent reasons are a convenience.
  }
}
