// Light / dark theme from one set of CSS variables (see app.css). Follows prefers-color-scheme until the user picks
// one; the pick persists. The resolved theme is written to <html data-theme>.
export type ThemePreference = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'qg.theme';

function readPreference(): ThemePreference {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

class ThemeState {
  preference = $state<ThemePreference>(readPreference());
  systemDark = $state(query?.matches ?? false);
  resolved = $derived<Theme>(this.preference === 'system' ? (this.systemDark ? 'dark' : 'light') : this.preference);

  constructor() {
    query?.addEventListener('change', (e) => {
      this.systemDark = e.matches;
    });
  }

  set(pref: ThemePreference): void {
    this.preference = pref;
    try {
      if (pref === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, pref);
    } catch {
      // The choice still holds for this run.
    }
  }
}

export const theme = new ThemeState();
