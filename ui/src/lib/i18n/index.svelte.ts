// The UI language: follows the OS locale (`system_locale`, else `navigator.language`) until the user picks one;
// the pick persists in localStorage. `t()` reads reactive state, so every template re-renders on a switch.
import { api } from '../api';
import { en } from './en';
import { zhCN, type Catalogue, type MessageKey } from './zh-CN';

export type { MessageKey } from './zh-CN';
export type Locale = 'zh-CN' | 'en';
export type LocalePreference = 'system' | Locale;

export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

const CATALOGUES: Record<Locale, Catalogue> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'qg.locale';

/** The catalogue locale for a BCP 47 tag: any Chinese goes to zh-CN (the only Chinese catalogue), the rest to English. */
export function matchLocale(tag: string | null | undefined): Locale {
  return tag && /^zh\b/i.test(tag.trim()) ? 'zh-CN' : 'en';
}

function readPreference(): LocalePreference {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'zh-CN' || v === 'en' ? v : 'system';
  } catch {
    return 'system';
  }
}

class I18n {
  preference = $state<LocalePreference>(readPreference());
  systemLocale = $state<Locale>(matchLocale(typeof navigator === 'undefined' ? null : navigator.language));
  locale = $derived<Locale>(this.preference === 'system' ? this.systemLocale : this.preference);

  #numbers = $derived(new Intl.NumberFormat(this.locale));
  #dates = $derived(new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }));
  #plurals = $derived(new Intl.PluralRules(this.locale));
  #ordinals = $derived(new Intl.PluralRules(this.locale, { type: 'ordinal' }));
  collator = $derived(new Intl.Collator(this.locale, { sensitivity: 'base', numeric: true }));

  /** Ask the backend for the OS locale; keeps the navigator's guess when that fails. */
  async detectSystemLocale(): Promise<void> {
    try {
      const tag = await api.systemLocale();
      if (tag) this.systemLocale = matchLocale(tag);
    } catch {
      // navigator.language stays.
    }
  }

  setPreference(pref: LocalePreference): void {
    this.preference = pref;
    try {
      if (pref === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, pref);
    } catch {
      // Storage may be unavailable; the choice still holds for this run.
    }
  }

  number(n: number): string {
    return this.#numbers.format(n);
  }

  /** An RFC 3339 string or Unix milliseconds, in the UI language's format. */
  dateTime(when: string | number | null | undefined): string | null {
    if (when === null || when === undefined || when === '') return null;
    const d = new Date(when);
    return Number.isNaN(d.getTime()) ? null : this.#dates.format(d);
  }

  t(key: MessageKey, params?: Record<string, string | number>): string {
    const text: string = CATALOGUES[this.locale][key] ?? zhCN[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const v = params[name];
      if (v === undefined) return whole;
      return typeof v === 'number' ? this.number(v) : v;
    });
  }

  /** Plural: `tn('group.members', 3)` picks `group.members.one` or `.other` by the locale's rules. */
  tn(base: PluralBase, count: number, params?: Record<string, string | number>): string {
    const form = this.#plurals.select(count) === 'one' ? 'one' : 'other';
    return this.t(`${base}.${form}`, { count, ...params });
  }

  /** An ordinal in the UI language: `2nd`, `第 2 次`. */
  ordinal(n: number): string {
    const form = this.#ordinals.select(n);
    const key = form === 'one' || form === 'two' || form === 'few' ? form : 'other';
    return this.t(`ordinal.${key}`, { n });
  }
}

/** Keys that come as a `.one` / `.other` pair. */
export type PluralBase = {
  [K in MessageKey]: K extends `${infer B}.other` ? (`${B}.one` extends MessageKey ? B : never) : never;
}[MessageKey];

export const i18n = new I18n();

/** Translate a key. Reactive: call it in templates and `$derived`. */
export const t = (key: MessageKey, params?: Record<string, string | number>): string => i18n.t(key, params);
export const tn = (base: PluralBase, count: number, params?: Record<string, string | number>): string =>
  i18n.tn(base, count, params);
