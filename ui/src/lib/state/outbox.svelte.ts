// How many decided actions wait in the outbox (status bar: "2 queued"). Read at start, after every action and
// every 30 s; `null` while unknown (e.g. no store), when the status bar shows nothing.
import { api } from '../api';

class Outbox {
  queued = $state<number | null>(null);
  #seq = 0;

  async refresh(): Promise<void> {
    const seq = ++this.#seq;
    try {
      const list = await api.listOutbox();
      if (seq === this.#seq) this.queued = list.filter((e) => e.status === 'queued').length;
    } catch {
      if (seq === this.#seq) this.queued = null;
    }
  }

  reset(): void {
    this.#seq++;
    this.queued = null;
  }
}

export const outbox = new Outbox();
