// The groups I manage, and each group's members, loaded on demand and kept for the session.
import { api, type Group, type Member, type Role } from '../api';
import { policies } from './credit.svelte';
import { Loader } from './loader.svelte';
import { network } from './online.svelte';

export const ROLES: readonly Role[] = ['owner', 'admin', 'moderator', 'member'];
export const ROLE_RANK: Record<Role, number> = { owner: 0, admin: 1, moderator: 2, member: 3 };

/** Reads from the homeserver tell whether it can be reached: the status bar follows. */
const refreshNetwork = (): void => void network.refresh();

class GroupsStore extends Loader<Group[]> {
  constructor() {
    super(() => api.listGroups(), [], { settled: refreshNetwork });
  }

  get groups(): Group[] {
    return this.value;
  }

  find(id: string): Group | undefined {
    return this.groups.find((g) => g.id === id);
  }

  override reset(): void {
    super.reset();
    members.reset();
    policies.reset();
  }
}

export class MemberList extends Loader<Member[]> {
  constructor(readonly groupId: string) {
    // In place: a reload after an action (the muted chip, the credit) keeps the rows and the scroll.
    super(() => api.listMembers(groupId), [], { inPlace: true, settled: refreshNetwork });
  }

  get members(): Member[] {
    return this.value;
  }
}

class MembersStore {
  #lists = new Map<string, MemberList>();

  /** The member list of a group, loading it the first time it is asked for. */
  of(groupId: string): MemberList {
    let list = this.#lists.get(groupId);
    if (!list) {
      list = new MemberList(groupId);
      this.#lists.set(groupId, list);
      // Deferred: `of()` may be called while a template or `$derived` is evaluating, where writing state is not allowed.
      const created = list;
      queueMicrotask(() => void created.load());
    }
    return list;
  }

  reset(): void {
    this.#lists.clear();
  }
}

export const groups = new GroupsStore();
export const members = new MembersStore();
