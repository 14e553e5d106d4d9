// The case log as the UI reads it: per group, or per group and member. Lists reload when an action was taken.
import { api, type CaseView } from '../api';
import { NewestFirst } from './newestFirst.svelte';

/** Bumped after every action, so open case lists reload. */
export const caseLog = $state({ version: 0 });

export class CaseList extends NewestFirst<CaseView> {
  constructor(
    readonly group: string | null,
    readonly user: string | null,
  ) {
    super();
  }

  /** Newest first. */
  get cases(): CaseView[] {
    return this.items;
  }

  protected fetch(): Promise<CaseView[]> {
    return api.listCases(this.group, this.user);
  }
}
