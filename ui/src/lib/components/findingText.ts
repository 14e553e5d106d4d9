// Translated names for what the detector reports (kinds, categories, suggested actions) and for rules; a value
// the UI does not know (a user lexicon's own category, a group's own rule) shows as itself.
import type { Flag, RuleView } from '../api';
import { t, type MessageKey } from '../i18n/index.svelte';

const KIND_KEYS: Record<string, MessageKey> = {
  cn_resident_id: 'finding.kind.cn_resident_id',
  cn_mobile: 'finding.kind.cn_mobile',
  bank_card: 'finding.kind.bank_card',
  email: 'finding.kind.email',
  doxxing: 'finding.kind.doxxing',
  url: 'finding.kind.url',
  mentions: 'finding.kind.mentions',
  flood: 'finding.kind.flood',
};

const CATEGORY_KEYS: Record<string, MessageKey> = {
  porn: 'category.porn',
  violence: 'category.violence',
  fraud: 'category.fraud',
  pyramid: 'category.pyramid',
  gambling: 'category.gambling',
  insult: 'category.insult',
  spam: 'category.spam',
  privacy: 'category.privacy',
};

const SUGGESTED_KEYS: Record<string, MessageKey> = {
  review: 'rule.action.review',
  warn: 'rule.action.warn',
  remove: 'rule.action.remove',
  mute: 'rule.action.mute',
  kick: 'rule.action.kick',
  ban: 'rule.action.ban',
};

// Rules whose meaning is more than their detector and category.
const RULE_KEYS: Record<string, MessageKey> = {
  'kw.custom': 'rule.kw.custom',
  'link.denied': 'rule.link.denied',
  'spam.mass_mention': 'rule.spam.mass_mention',
  'flood.sender': 'rule.flood.sender',
  'flood.repeat': 'rule.flood.repeat',
};

export function categoryLabel(category: string | null): string {
  if (!category) return '';
  const key = CATEGORY_KEYS[category];
  return key ? t(key) : category;
}

function detectorLabel(kind: string, category: string | null): string {
  if (kind === 'keyword') return t('finding.keyword', { category: categoryLabel(category) || '—' });
  const key = KIND_KEYS[kind];
  return key ? t(key) : kind;
}

/** What a finding is: "Keyword: gambling", "Mobile number", … */
export function flagLabel(f: Flag): string {
  return RULE_KEYS[f.rule] ? t(RULE_KEYS[f.rule]!) : detectorLabel(f.kind, f.category);
}

/** What a rule covers, for the picker and the Rules tab. */
export function ruleLabel(r: RuleView): string {
  return RULE_KEYS[r.id] ? t(RULE_KEYS[r.id]!) : detectorLabel(r.detector, r.category);
}

/** "Remove", "Review", … */
export function suggestedLabel(action: string): string {
  const key = SUGGESTED_KEYS[action];
  return key ? t(key) : action;
}
