// What a group's screen keeps while it is open, whichever tab shows: the Members tab's view of the member list
// (sorted by role then name, or by credit lowest first; filtered by role, credit level and search; the selection)
// and the selected message and case.
import type { Level, Member, Role } from '../../api';
import { LEVELS } from '../../components/creditText';
import { i18n } from '../../i18n/index.svelte';
import { ROLE_RANK, type MemberList } from '../../state/groups.svelte';
import { moveIndex } from '../../state/keys.svelte';

export type RoleFilter = 'all' | Role;
export type LevelFilter = 'all' | Level;
export type MemberSort = 'role' | 'credit';

/** A member without a credit (no case log to read it from) sorts after every score. */
const NO_SCORE = Number.POSITIVE_INFINITY;

interface Row {
  member: Member;
  haystack: string;
}

export class MemberView {
  query = $state('');
  roleFilter = $state<RoleFilter>('all');
  levelFilter = $state<LevelFilter>('all');
  sort = $state<MemberSort>('role');
  selectedId = $state<string | null>(null);

  constructor(readonly list: MemberList) {}

  // Sorted once per load and per sort: role first (owner → member), or the lowest credit first (then by role);
  // then name in the UI language's collation.
  readonly rows = $derived.by<Row[]>(() => {
    const collator = i18n.collator;
    const byCredit = this.sort === 'credit';
    const score = (m: Member): number => m.credit?.score ?? NO_SCORE;
    return [...this.list.members]
      .sort(
        (a, b) =>
          (byCredit ? score(a) - score(b) || 0 : 0) ||
          ROLE_RANK[a.role] - ROLE_RANK[b.role] ||
          collator.compare(a.display_name ?? a.user_id, b.display_name ?? b.user_id),
      )
      .map((member) => ({
        member,
        haystack: `${member.display_name ?? ''}\n${member.user_id}`.toLocaleLowerCase(),
      }));
  });

  readonly counts = $derived.by(() => {
    const c: Record<RoleFilter, number> = { all: this.rows.length, owner: 0, admin: 0, moderator: 0, member: 0 };
    for (const r of this.rows) c[r.member.role]++;
    return c;
  });

  /** Members per credit level (those without a credit count under none). */
  readonly levelCounts = $derived.by(() => {
    const c = Object.fromEntries([['all', this.rows.length], ...LEVELS.map((l) => [l, 0])]) as Record<
      LevelFilter,
      number
    >;
    for (const r of this.rows) if (r.member.credit) c[r.member.credit.level]++;
    return c;
  });

  /** Whether the list has credit at all (none without an encrypted store): the column and its controls show. */
  readonly hasCredit = $derived.by(() => this.list.members.some((m) => m.credit !== null));

  readonly filtered = $derived.by<Member[]>(() => {
    const q = this.query.trim().toLocaleLowerCase();
    const level = this.levelFilter;
    const out: Member[] = [];
    for (const r of this.rows) {
      if (this.roleFilter !== 'all' && r.member.role !== this.roleFilter) continue;
      if (level !== 'all' && r.member.credit?.level !== level) continue;
      if (q && !r.haystack.includes(q)) continue;
      out.push(r.member);
    }
    return out;
  });

  readonly selectedIndex = $derived(
    this.selectedId ? this.filtered.findIndex((m) => m.user_id === this.selectedId) : -1,
  );
  readonly selected = $derived.by(() =>
    this.selectedId ? this.list.members.find((m) => m.user_id === this.selectedId) : undefined,
  );

  move(delta: number): void {
    if (this.filtered.length === 0) return;
    this.selectedId = this.filtered[moveIndex(this.filtered.length, this.selectedIndex, delta)]?.user_id ?? null;
  }
}

/** The selected message and case: kept across tab switches, while their lists are read again with their tab. */
export class Picked {
  message = $state<string | null>(null);
  case = $state<string | null>(null);
}
