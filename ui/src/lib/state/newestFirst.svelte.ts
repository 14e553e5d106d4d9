// A list read from the engine oldest first and shown newest first, reloaded in place: a reload keeps the rows on
// screen (only the first load shows the spinner), and an answer that arrives after a newer request is dropped.
import { toApiError, type ApiError } from '../api';
import type { LoadState } from './groups.svelte';

export abstract class NewestFirst<T> {
  state = $state<LoadState>('idle');
  /** Newest first. */
  items = $state.raw<T[]>([]);
  error = $state<ApiError | null>(null);
  #seq = 0;

  /** The list as the engine answers it, oldest first. */
  protected abstract fetch(): Promise<T[]>;

  async load(): Promise<void> {
    const seq = ++this.#seq;
    if (this.state !== 'ready') this.state = 'loading';
    this.error = null;
    try {
      const list = await this.fetch();
      if (seq !== this.#seq) return;
      this.items = [...list].reverse();
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    } finally {
      this.settled();
    }
  }

  /** Called after every load, whatever its outcome. */
  protected settled(): void {}
}
