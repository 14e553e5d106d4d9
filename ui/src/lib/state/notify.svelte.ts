// Desktop notifications for new high-severity items and reminders of items that have waited too long: on or off,
// the reminders' minutes, and do-not-disturb hours, kept with the other settings (localStorage) and sent to the
// app, which shows the notifications (its `NotifyPrefs`, with the local time zone's offset and the UI's language).
import { api, type NotifyPrefs } from '../api';
import { i18n } from '../i18n/index.svelte';

const STORAGE_KEY = 'qg.notify';

interface Saved {
  enabled: boolean;
  /** Remind of open items nobody holds that have waited `remindMinutes`. */
  remind: boolean;
  /** As typed (see `remindMinutes`). */
  remindMinutes: string;
  quiet: boolean;
  /** `HH:MM`, local time. */
  from: string;
  to: string;
}

const DEFAULTS: Saved = { enabled: true, remind: true, remindMinutes: '60', quiet: false, from: '22:00', to: '08:00' };

/** The longest wait a reminder can be set to: a day. */
export const MAX_REMIND_MINUTES = 1440;

function read(): Saved {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Saved> | null;
    return { ...DEFAULTS, ...(v && typeof v === 'object' ? v : {}) };
  } catch {
    return { ...DEFAULTS };
  }
}

/** Minutes of the day of `HH:MM`, or null. */
export function minutes(hhmm: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : null;
}

/** A reminder's wait as typed: whole minutes from 1 to `MAX_REMIND_MINUTES`, or null. */
export function remindMinutes(typed: string): number | null {
  if (!/^\d{1,4}$/.test(typed.trim())) return null;
  const n = Number(typed.trim());
  return n >= 1 && n <= MAX_REMIND_MINUTES ? n : null;
}

class NotifySettings {
  saved = $state<Saved>(read());

  /** What the app is told. */
  prefs(): NotifyPrefs {
    const s = this.saved;
    const from = s.quiet ? minutes(s.from) : null;
    const to = s.quiet ? minutes(s.to) : null;
    return {
      enabled: s.enabled,
      quiet_from: from !== null && to !== null ? from : null,
      quiet_to: from !== null && to !== null ? to : null,
      remind_after_minutes: s.remind ? remindMinutes(s.remindMinutes) : null,
      utc_offset_minutes: -new Date().getTimezoneOffset(),
      lang: i18n.locale === 'zh-CN' ? 'zh' : 'en',
    };
  }

  set(change: Partial<Saved>): void {
    this.saved = { ...this.saved, ...change };
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.saved));
    } catch {
      // Holds for this run.
    }
    void this.push();
  }

  /** Tells the app (at start, after a change, when the language changes). */
  async push(): Promise<void> {
    try {
      await api.setNotifyPrefs(this.prefs());
    } catch {
      // The app keeps its defaults (on, reminders after an hour, no quiet hours).
    }
  }
}

export const notifySettings = new NotifySettings();
