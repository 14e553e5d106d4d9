// A group's latest messages (newest first on screen) and the rule set a case can cite.
import { api, toApiError, type ApiError, type MessageView, type RuleView } from '../api';
import type { LoadState } from './groups.svelte';
import { NewestFirst } from './newestFirst.svelte';
import { network } from './online.svelte';

export class MessageList extends NewestFirst<MessageView> {
  constructor(readonly group: string) {
    super();
  }

  /** Newest first. */
  get messages(): MessageView[] {
    return this.items;
  }

  protected fetch(): Promise<MessageView[]> {
    return api.listMessages(this.group);
  }

  protected override settled(): void {
    void network.refresh();
  }
}

class RulesStore {
  state = $state<LoadState>('idle');
  rules = $state.raw<RuleView[]>([]);
  error = $state<ApiError | null>(null);

  /** Loads once per session; a failed load is tried again on the next call. */
  async ensure(): Promise<void> {
    if (this.state === 'ready' || this.state === 'loading') return;
    this.state = 'loading';
    try {
      this.rules = await api.listRules();
      this.state = 'ready';
    } catch (e) {
      this.error = toApiError(e);
      this.state = 'error';
    }
  }
}

export const rules = new RulesStore();

/** The rule a message's most severe finding cites, for the dialog to start from. */
export function topRule(m: MessageView | null | undefined): string | null {
  if (!m || m.flags.length === 0) return null;
  const rank = { low: 0, medium: 1, high: 2 } as const;
  return [...m.flags].sort((a, b) => rank[b.severity] - rank[a.severity])[0]?.rule ?? null;
}
