// The flagged queue: the open items as the engine ranks them (most severe, then oldest), reloaded after every round
// of following (`queue-changed`) and after every decision; the filters the screen applies; where following stands;
// and the item a clicked notification asks to open.
import { api, onQueueChanged, onQueueOpen, type FollowStatus, type ItemState, type QueueItem, type Source } from '../api';
import { Loader } from './loader.svelte';

export interface QueueFilters {
  group: string | null;
  category: string | null;
  source: Source | null;
  state: ItemState;
}

const IDLE: FollowStatus = {
  phase: 'idle',
  groups: 0,
  rounds: 0,
  new_items: [],
  raised_items: [],
  encrypted_groups: [],
  error: null,
  history: [],
};

class QueueStore extends Loader<QueueItem[]> {
  filters = $state<QueueFilters>({ group: null, category: null, source: null, state: 'open' });
  follow = $state<FollowStatus>(IDLE);
  /** An item to open (a notification was clicked); the screen takes it. */
  wanted = $state<string | null>(null);
  #unlisten: (() => void)[] = [];

  constructor() {
    super(() => api.listQueue(null, this.filters.state), [], { inPlace: true });
  }

  /** The items the filters let through, in the engine's order. */
  readonly shown = $derived.by<QueueItem[]>(() => {
    const f = this.filters;
    return this.value.filter(
      (i) =>
        (!f.group || i.group === f.group) &&
        (!f.category || i.category === f.category) &&
        (!f.source || i.sources.includes(f.source)),
    );
  });

  /** The categories among the loaded items (the category filter's choices). */
  readonly categories = $derived([...new Set(this.value.flatMap((i) => (i.category ? [i.category] : [])))].sort());

  /** Hears the rounds and the notification clicks; reads what stands now. */
  async start(onopen: (id: string) => void): Promise<void> {
    this.stop();
    const changed = onQueueChanged((status) => {
      this.follow = status;
      if (status.phase === 'following') void this.load();
    });
    const open = onQueueOpen((id) => {
      this.wanted = id;
      onopen(id);
    });
    this.#unlisten = await Promise.all([changed, open]);
    try {
      this.follow = await api.followStatus();
    } catch {
      // The progress line stays empty; the rounds' events fill it.
    }
    void this.load();
  }

  stop(): void {
    for (const u of this.#unlisten) u();
    this.#unlisten = [];
  }

  setState(state: ItemState): void {
    this.filters.state = state;
    void this.load();
  }

  override reset(): void {
    super.reset();
    this.stop();
    this.filters = { group: null, category: null, source: null, state: 'open' };
    this.follow = IDLE;
    this.wanted = null;
  }
}

export const queue = new QueueStore();
