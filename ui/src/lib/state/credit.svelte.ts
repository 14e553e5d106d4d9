// The credit policy in effect per group (the Settings tab shows it, the member card's recovery entries name its
// period), read once per group and again after it is saved; kept for the session like the member lists.
import { api, type PolicyView } from '../api';
import { Loader } from './loader.svelte';

export class PolicyLoader extends Loader<PolicyView | null> {
  constructor(readonly groupId: string) {
    super(() => api.creditPolicy(groupId), null, { inPlace: true });
  }

  /** What the engine answered a save with: the group's own policy now. */
  saved(view: PolicyView): void {
    this.value = view;
    this.state = 'ready';
    this.error = null;
  }

  /** Reads it the first time it is asked for (later calls keep what was read). */
  ensure(): void {
    if (this.state === 'idle') void this.load();
  }
}

class PoliciesStore {
  #byGroup = new Map<string, PolicyLoader>();

  of(groupId: string): PolicyLoader {
    let p = this.#byGroup.get(groupId);
    if (!p) {
      p = new PolicyLoader(groupId);
      this.#byGroup.set(groupId, p);
    }
    return p;
  }

  reset(): void {
    this.#byGroup.clear();
  }
}

export const policies = new PoliciesStore();
