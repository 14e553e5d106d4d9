// A group's shortfalls and the managers' times, in the UI language.
import type { Shortfall, Tier } from '../api';
import { t } from '../i18n/index.svelte';

/** A duration in seconds as people read it: the largest whole unit (3 d, 5 h, 12 min, 40 s). */
export function spanText(seconds: number): string {
  if (seconds >= 86_400) return t('span.days', { n: Math.floor(seconds / 86_400) });
  if (seconds >= 3_600) return t('span.hours', { n: Math.floor(seconds / 3_600) });
  if (seconds >= 60) return t('span.minutes', { n: Math.floor(seconds / 60) });
  return t('span.seconds', { n: Math.max(0, Math.floor(seconds)) });
}

/** One shortfall as a phrase. */
export function shortfallText(s: Shortfall): string {
  switch (s.kind) {
    case 'too_few_admins':
      return t('compliance.too_few_admins', { active: s.active, needed: s.needed });
    case 'stale_items':
      return t('compliance.stale_items', { count: s.count, max: spanText(s.max_age_seconds) });
    case 'no_rules':
      return t('compliance.no_rules');
    case 'owner_absent':
      return t('compliance.owner_absent');
  }
}

/** The banner's lead: what a group of this tier needs. */
export function complianceTitle(tier: Tier): string {
  return t('compliance.title', { tier: t(`tier.${tier}`) });
}
