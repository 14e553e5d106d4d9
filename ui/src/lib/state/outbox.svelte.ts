// How many decided actions wait in the outbox (status bar: "2 queued"). Read at start, after every action and
// every 30 s; `null` while unknown (e.g. no store), when the status bar shows nothing.
import { api } from '../api';
import { Loader } from './loader.svelte';

class Outbox extends Loader<number | null> {
  constructor() {
    // A failed read is "unknown", not an error to show.
    super(
      () => api.listOutbox().then((list) => list.filter((e) => e.status === 'queued').length, () => null),
      null,
    );
  }

  get queued(): number | null {
    return this.value;
  }
}

export const outbox = new Outbox();
