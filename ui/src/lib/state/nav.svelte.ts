// Where the shell is: the flagged queue, the groups list, one group, search, the staff inbox, or settings. `back()` is
// what Esc does.
import type { Tab } from '../screens/group/tabs';

export type Screen =
  | { kind: 'queue' }
  | { kind: 'groups' }
  | { kind: 'group'; id: string; tab?: Tab }
  /** Search one group's cached messages (from its Messages tab, `/`) or all of mine (`g s`). */
  | { kind: 'search'; group: string | null }
  | { kind: 'reports' }
  | { kind: 'settings' };

class Nav {
  screen = $state<Screen>({ kind: 'groups' });
  #previous: Screen | null = null;
  /** The group selected in the groups list (kept when coming back). */
  selectedGroup = $state<string | null>(null);
  helpOpen = $state(false);

  go(screen: Screen): void {
    if (screen.kind === 'settings' && this.screen.kind !== 'settings') this.#previous = this.screen;
    if (screen.kind === 'search' && this.screen.kind !== 'search') this.#previous = this.screen;
    if (screen.kind === 'group') this.selectedGroup = screen.id;
    this.screen = screen;
  }

  openGroup(id: string): void {
    this.go({ kind: 'group', id });
  }

  /** Search one group or all of mine; Esc comes back to `returnTo` (else to the screen it was opened from). */
  openSearch(group: string | null, returnTo?: Screen): void {
    this.go({ kind: 'search', group });
    if (returnTo) this.#previous = returnTo;
  }

  /** Returns false when there is nowhere to go back to. */
  back(): boolean {
    switch (this.screen.kind) {
      case 'group':
      case 'reports':
      case 'queue':
        this.screen = { kind: 'groups' };
        return true;
      case 'settings':
      case 'search':
        this.screen = this.#previous ?? { kind: 'groups' };
        this.#previous = null;
        return true;
      case 'groups':
        return false;
    }
  }

  reset(): void {
    this.screen = { kind: 'groups' };
    this.#previous = null;
    this.selectedGroup = null;
    this.helpOpen = false;
  }
}

export const nav = new Nav();
