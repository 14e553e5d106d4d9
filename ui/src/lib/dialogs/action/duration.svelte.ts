// How long a mute or a timed ban lasts: a preset (a mute: 10 m · 1 h · 1 d · 7 d; a ban: 1 d · 7 d · 30 d, or no
// end) or a custom value in minutes, hours or days, at most a year (the engine's limit for both).
import type { MessageKey } from '../../i18n/index.svelte';

export interface Preset {
  seconds: number;
  label: MessageKey;
}
export const MUTE_PRESETS: readonly Preset[] = [
  { seconds: 600, label: 'action.dialog.duration.10m' },
  { seconds: 3600, label: 'action.dialog.duration.1h' },
  { seconds: 86400, label: 'action.dialog.duration.1d' },
  { seconds: 604800, label: 'action.dialog.duration.7d' },
];
export const BAN_PRESETS: readonly Preset[] = [
  { seconds: 86400, label: 'action.dialog.duration.1d' },
  { seconds: 604800, label: 'action.dialog.duration.7d' },
  { seconds: 2592000, label: 'action.dialog.duration.30d' },
];
export const UNITS = { minutes: 60, hours: 3600, days: 86400 } as const;
export type Unit = keyof typeof UNITS;
const YEAR = 365 * 24 * 3600;

/** A preset's seconds, a custom value, or (a ban only) no end. */
export type Choice = number | 'custom' | 'forever';

export class Duration {
  preset = $state<Choice>(600);
  customValue = $state('30');
  customUnit = $state<Unit>('minutes');

  /**
   * A mute's (the default) or, with `forever`, a ban's: its presets and the choice of no end, which it starts on
   * (a ban is for good unless the admin gives it a length).
   */
  constructor(
    readonly presets: readonly Preset[] = MUTE_PRESETS,
    readonly forever = false,
  ) {
    this.preset = forever ? 'forever' : (presets[0]?.seconds ?? 'custom');
  }

  /** Null for no end; NaN when the custom value is not a number. */
  readonly seconds = $derived.by<number | null>(() => {
    if (this.preset === 'forever') return null;
    if (this.preset !== 'custom') return this.preset;
    const v = String(this.customValue).trim();
    const n = Number(v);
    if (!v || !Number.isFinite(n)) return NaN;
    return Math.round(n * UNITS[this.customUnit]);
  });
  readonly valid = $derived(this.seconds === null || (this.seconds > 0 && this.seconds <= YEAR));

  /** Starts from `seconds`: its preset if it is one, else a custom value in the largest unit that divides it. */
  choose(seconds: number): void {
    if (this.presets.some((p) => p.seconds === seconds)) {
      this.preset = seconds;
      return;
    }
    const unit = (['days', 'hours', 'minutes'] as const).find((u) => seconds % UNITS[u] === 0) ?? 'minutes';
    this.preset = 'custom';
    this.customUnit = unit;
    this.customValue = String(seconds / UNITS[unit]);
  }
}
