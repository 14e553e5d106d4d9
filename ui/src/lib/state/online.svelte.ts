// Online / offline: the OS network state, and whether the engine is serving cached data because the homeserver
// cannot be reached (`connection_status`, refreshed after every read). The status bar shows both.
import { api } from '../api';

class ConnectionState {
  network = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** RFC 3339 time of the cached data being shown; null while reads reach the server. */
  offlineSince = $state<string | null>(null);
  online = $derived(this.network && this.offlineSince === null);

  constructor() {
    if (typeof window === 'undefined') return;
    window.addEventListener('online', () => {
      this.network = true;
      void this.refresh();
    });
    window.addEventListener('offline', () => (this.network = false));
  }

  async refresh(): Promise<void> {
    try {
      this.offlineSince = (await api.connectionStatus()).offline_since;
    } catch {
      // Keep the last known state.
    }
  }
}

export const network = new ConnectionState();
