// The groups I manage, and each group's members, loaded on demand and kept for the session.
import { api, toApiError, type ApiError, type Group, type Member, type Role } from '../api';
import { network } from './online.svelte';

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

export const ROLES: readonly Role[] = ['owner', 'admin', 'moderator', 'member'];
export const ROLE_RANK: Record<Role, number> = { owner: 0, admin: 1, moderator: 2, member: 3 };

class GroupsStore {
  state = $state<LoadState>('idle');
  groups = $state.raw<Group[]>([]);
  error = $state<ApiError | null>(null);
  #seq = 0;

  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.state = 'loading';
    this.error = null;
    try {
      const groups = await api.listGroups();
      if (seq !== this.#seq) return;
      this.groups = groups;
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    } finally {
      void network.refresh();
    }
  }

  find(id: string): Group | undefined {
    return this.groups.find((g) => g.id === id);
  }

  reset(): void {
    this.#seq++;
    this.state = 'idle';
    this.groups = [];
    this.error = null;
    members.reset();
  }
}

export class MemberList {
  state = $state<LoadState>('idle');
  members = $state.raw<Member[]>([]);
  error = $state<ApiError | null>(null);
  #seq = 0;

  constructor(readonly groupId: string) {}

  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.state = 'loading';
    this.error = null;
    try {
      const list = await api.listMembers(this.groupId);
      if (seq !== this.#seq) return;
      this.members = list;
      this.state = 'ready';
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = toApiError(e);
      this.state = 'error';
    } finally {
      void network.refresh();
    }
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
