// Credit and the warning ladder in words: level names, lengths, ladder steps and the ladder line the action dialog
// and the member card show ("2nd warning in 30 days: next is a 1-day mute"), built from the engine's standing.
import type { LadderStanding, LadderStep, Level, Measure, Sanction } from '../api';
import { i18n, t, tn } from '../i18n/index.svelte';

/** Lowest first: the order the member list sorts and filters by. */
export const LEVELS: readonly Level[] = ['danger', 'poor', 'fair', 'good'];

export function levelLabel(level: Level): string {
  return t(`credit.level.${level}`);
}

type Unit = 'days' | 'hours' | 'minutes';
const UNIT_SECONDS: [Unit, number][] = [
  ['days', 86400],
  ['hours', 3600],
  ['minutes', 60],
];

/** The largest unit that divides `seconds` (minutes, rounded, when none does). */
function inUnits(seconds: number): [Unit, number] {
  const exact = UNIT_SECONDS.find(([, s]) => seconds % s === 0);
  return exact ? [exact[0], seconds / exact[1]] : ['minutes', Math.max(1, Math.round(seconds / 60))];
}

/** A span of time as a noun: "30 days", "30 天". */
export function spanText(seconds: number): string {
  const [unit, count] = inUnits(seconds);
  return tn(`ladder.window.${unit}`, count);
}

/** A length as it qualifies a measure: "1-day" (a 1-day mute), "1 天". */
function lengthText(seconds: number): string {
  const [unit, count] = inUnits(seconds);
  return t(`ladder.length.${unit}`, { count });
}

/** A ladder step's measure: "a 1-day mute", "禁言 1 天", "a kick", "a ban with no end". */
export function measureText(m: Measure): string {
  switch (m.action) {
    case 'mute':
      return t('ladder.measure.mute', { length: lengthText(m.seconds) });
    case 'kick':
      return t('ladder.measure.kick');
    case 'ban':
      return m.seconds === null
        ? t('ladder.measure.ban_forever')
        : t('ladder.measure.ban', { length: lengthText(m.seconds) });
  }
}

/** What the ladder counts, as a word: warnings alone are "warning", anything more a "sanction". */
function countsWarningsOnly(counts: readonly Sanction[]): boolean {
  return counts.length === 1 && counts[0] === 'warn';
}

function kindWord(counts: readonly Sanction[]): string {
  return t(countsWarningsOnly(counts) ? 'ladder.kind.warn' : 'ladder.kind.any');
}

/**
 * Where the member stands, the action not counted: "2 warnings in 30 days: the ladder calls for a 1-day mute; at the
 * 3rd, a kick".
 */
export function standingText(s: LadderStanding): string {
  const window = spanText(s.window);
  const warn = countsWarningsOnly(s.counts);
  const standing =
    s.count === 0
      ? t(warn ? 'ladder.none.warn' : 'ladder.none.any', { window })
      : tn(warn ? 'ladder.count.warn' : 'ladder.count.any', s.count, { window });
  // "Calls for", not "is due": the step may have been taken by hand already (a mute the ladder did not take).
  const at = s.due ? t('ladder.standing.due', { standing, measure: measureText(s.due) }) : standing;
  return s.next ? t('ladder.standing.next', { standing: at, then: i18n.ordinal(s.next.after), measure: measureText(s.next) }) : at;
}

/**
 * The action dialog's line for an action the ladder counts (the standing includes it): "2nd warning in 30 days:
 * next is a 1-day mute", or that the step follows automatically, or what the next step is and when.
 */
export function countedText(s: LadderStanding): string {
  const params = { nth: i18n.ordinal(s.count), kind: kindWord(s.counts), window: spanText(s.window) };
  if (s.due) return t(s.automatic ? 'ladder.line.auto' : 'ladder.line.due', { ...params, measure: measureText(s.due) });
  if (s.next) return t('ladder.line.next', { ...params, then: i18n.ordinal(s.next.after), measure: measureText(s.next) });
  return t('ladder.line.plain', params);
}

/** A policy's step: "2nd warning: a 1-day mute". */
export function stepText(step: LadderStep, counts: readonly Sanction[]): string {
  return t('policy.ladder.step', { nth: i18n.ordinal(step.after), kind: kindWord(counts), measure: measureText(step) });
}

/** The sanction a dialog action is, as the ladder counts it (null: not a sanction on a member). */
export function sanctionOf(action: string): Sanction | null {
  return action === 'warn' || action === 'mute' || action === 'kick' || action === 'ban' ? action : null;
}
