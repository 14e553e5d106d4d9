// How long a mute lasts: a preset (10 m · 1 h · 1 d · 7 d) or a custom value in minutes, hours or days, at most a year.
export const PRESETS = [
  { seconds: 600, label: 'action.dialog.duration.10m' },
  { seconds: 3600, label: 'action.dialog.duration.1h' },
  { seconds: 86400, label: 'action.dialog.duration.1d' },
  { seconds: 604800, label: 'action.dialog.duration.7d' },
] as const;
export const UNITS = { minutes: 60, hours: 3600, days: 86400 } as const;
export type Unit = keyof typeof UNITS;
const YEAR = 365 * 24 * 3600;

export class Duration {
  preset = $state<number | 'custom'>(600);
  customValue = $state('30');
  customUnit = $state<Unit>('minutes');

  /** NaN when the custom value is not a number. */
  readonly seconds = $derived.by<number>(() => {
    if (this.preset !== 'custom') return this.preset;
    const v = String(this.customValue).trim();
    const n = Number(v);
    if (!v || !Number.isFinite(n)) return NaN;
    return Math.round(n * UNITS[this.customUnit]);
  });
  readonly valid = $derived(this.seconds > 0 && this.seconds <= YEAR);

  /** Starts from `seconds`: its preset if it is one, else a custom value in the largest unit that divides it. */
  choose(seconds: number): void {
    if (PRESETS.some((p) => p.seconds === seconds)) {
      this.preset = seconds;
      return;
    }
    const unit = (['days', 'hours', 'minutes'] as const).find((u) => seconds % UNITS[u] === 0) ?? 'minutes';
    this.preset = 'custom';
    this.customUnit = unit;
    this.customValue = String(seconds / UNITS[unit]);
  }
}
