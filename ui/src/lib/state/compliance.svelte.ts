// Every managed group's standing against its size tier (`qg compliance`): the group list's marker and the group
// screen's warning line read it; it is read again with the groups and after a group's rules change.
import { api, type Compliance } from '../api';
import { Loader } from './loader.svelte';

class ComplianceStore extends Loader<Compliance[]> {
  constructor() {
    super(() => api.groupCompliance(null), [], { inPlace: true });
  }

  /** Reads one group's standing again (its screen opens, its rules changed); a failure keeps what is shown. */
  async refresh(id: string): Promise<void> {
    try {
      const [fresh] = await api.groupCompliance(id);
      if (fresh) this.value = [...this.value.filter((c) => c.group !== id), fresh];
    } catch {
      // Offline or refused: the line stays as last read.
    }
  }

  /** The group's standing, once read. */
  of(id: string): Compliance | undefined {
    return this.value.find((c) => c.group === id);
  }
}

export const compliance = new ComplianceStore();
