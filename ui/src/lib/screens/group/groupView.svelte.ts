// What a group's screen keeps while it is open, whichever tab shows: the Members tab's view of the member list
// (sorted by role then name, filtered by role and search, the selection) and the selected message and case.
import type { Member, Role } from '../../api';
import { i18n } from '../../i18n/index.svelte';
import { ROLE_RANK, type MemberList } from '../../state/groups.svelte';
import { moveIndex } from '../../state/keys.svelte';

export type RoleFilter = 'all' | Role;

interface Row {
  member: Member;
  haystack: string;
}

export class MemberView {
  query = $state('');
  roleFilter = $state<RoleFilter>('all');
  selectedId = $state<string | null>(null);

  constructor(readonly list: MemberList) {}

  // Sorted once per load: role first (owner → member), then name in the UI language's collation.
  readonly rows = $derived.by<Row[]>(() => {
    const collator = i18n.collator;
    return [...this.list.members]
      .sort(
        (a, b) =>
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

  readonly filtered = $derived.by<Member[]>(() => {
    const q = this.query.trim().toLocaleLowerCase();
    const out: Member[] = [];
    for (const r of this.rows) {
      if (this.roleFilter !== 'all' && r.member.role !== this.roleFilter) continue;
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
