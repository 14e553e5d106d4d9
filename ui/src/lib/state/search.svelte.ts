// A search over the cached messages: the query and its filters, the hits of the pages read so far (newest first),
// where the next page starts and how many messages the index has not caught up with. The latest search wins: an
// answer to an older one is dropped.
import { api, toApiError, type ApiError, type SearchHit, type SearchQuery } from '../api';
import type { LoadState } from './loader.svelte';

/** Hits a page asks for. */
const PAGE = 50;

export class Search {
  /** One group (room ID), or null: every group I manage. */
  group = $state<string | null>(null);
  text = $state('');
  sender = $state('');
  /** `YYYY-MM-DD` or empty. */
  since = $state('');
  until = $state('');
  flaggedOnly = $state(false);

  state = $state<LoadState>('idle');
  error = $state<ApiError | null>(null);
  hits = $state.raw<SearchHit[]>([]);
  nextCursor = $state<string | null>(null);
  behind = $state(0);
  /** A next page is being read (the hits so far stay). */
  more = $state(false);
  #seq = 0;

  constructor(group: string | null) {
    this.group = group;
  }

  #query(cursor: string | null): SearchQuery {
    const opt = (s: string) => (s.trim() ? s.trim() : null);
    return {
      group: this.group,
      text: this.text,
      sender: opt(this.sender),
      since: opt(this.since),
      until: opt(this.until),
      flagged_only: this.flaggedOnly,
      cursor,
      limit: PAGE,
    };
  }

  /** Searches afresh with the current query (nothing to show while the text is empty). */
  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.more = false;
    if (!this.text.trim()) {
      this.state = 'idle';
      this.hits = [];
      this.nextCursor = null;
      this.error = null;
      return;
    }
    this.state = 'loading';
    this.error = null;
    try {
      const page = await api.searchMessages(this.#query(null));
      if (seq !== this.#seq) return;
      this.hits = page.hits;
      this.nextCursor = page.next_cursor;
      this.behind = page.behind;
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    }
  }

  /** Reads the next page and adds its hits. */
  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (!cursor || this.more || this.state !== 'ready') return;
    const seq = this.#seq;
    this.more = true;
    try {
      const page = await api.searchMessages(this.#query(cursor));
      if (seq !== this.#seq) return;
      this.hits = [...this.hits, ...page.hits];
      this.nextCursor = page.next_cursor;
      this.behind = page.behind;
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    } finally {
      if (seq === this.#seq) this.more = false;
    }
  }
}
