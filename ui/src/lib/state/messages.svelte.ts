// A group's latest messages (newest first on screen, all or flagged only) and the rule set a case can cite.
import { api, type MessageView, type RuleView } from '../api';
import { Loader, newestFirst } from './loader.svelte';
import { network } from './online.svelte';

export type MessageFilter = 'all' | 'flagged';

/** A reload keeps the rows on screen (only the first load shows the spinner). */
export class MessageList extends Loader<MessageView[]> {
  filter = $state<MessageFilter>('all');
  /** Newest first. */
  get messages(): MessageView[] {
    return this.value;
  }
  readonly flagged = $derived(this.value.filter((m) => m.flags.length > 0));
  /** The rows as the filter shows them, newest first. */
  readonly shown = $derived(this.filter === 'all' ? this.value : this.flagged);

  constructor(readonly group: string) {
    super(() => newestFirst(api.listMessages(group)), [], { inPlace: true, settled: () => void network.refresh() });
  }
}

class RulesStore extends Loader<RuleView[]> {
  constructor() {
    super(() => api.listRules(), []);
  }

  get rules(): RuleView[] {
    return this.value;
  }

  /** Loads once per session; a failed load is tried again on the next call. */
  async ensure(): Promise<void> {
    if (this.state === 'ready' || this.state === 'loading') return;
    await this.load();
  }
}

export const rules = new RulesStore();

/** The rule a message's most severe finding cites, for the dialog to start from. */
export function topRule(m: MessageView | null | undefined): string | null {
  if (!m || m.flags.length === 0) return null;
  const rank = { low: 0, medium: 1, high: 2 } as const;
  return [...m.flags].sort((a, b) => rank[b.severity] - rank[a.severity])[0]?.rule ?? null;
}
