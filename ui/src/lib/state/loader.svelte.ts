// One read from the engine with its loading / error state. The latest request wins: an answer that arrives after a
// newer request (or a reset) is dropped. Every list store is one of these.
import { toApiError, type ApiError } from '../api';

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

export interface LoaderOptions {
  /** A reload keeps what is shown ('ready' stays) instead of going back to the spinner. */
  inPlace?: boolean;
  /** Called after every load, whatever its outcome. */
  settled?: () => void;
}

export class Loader<T> {
  state = $state<LoadState>('idle');
  value = $state.raw<T>() as T;
  error = $state<ApiError | null>(null);
  #seq = 0;
  readonly #fetch: () => Promise<T>;
  readonly #initial: T;
  readonly #options: LoaderOptions;

  constructor(fetch: () => Promise<T>, initial: T, options: LoaderOptions = {}) {
    this.#fetch = fetch;
    this.#initial = initial;
    this.#options = options;
    this.value = initial;
  }

  async load(): Promise<void> {
    const seq = ++this.#seq;
    if (!this.#options.inPlace || this.state !== 'ready') this.state = 'loading';
    this.error = null;
    try {
      const value = await this.#fetch();
      if (seq !== this.#seq) return;
      this.value = value;
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    } finally {
      this.#options.settled?.();
    }
  }

  /** Back to nothing loaded; an answer still on its way is dropped. */
  reset(): void {
    this.#seq++;
    this.state = 'idle';
    this.value = this.#initial;
    this.error = null;
  }
}

/** The engine answers lists oldest first; the screens show them newest first. */
export function newestFirst<T>(list: Promise<T[]>): Promise<T[]> {
  return list.then((l) => [...l].reverse());
}
