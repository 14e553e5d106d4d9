// The case log as the UI reads it: per group, or per group and member. Lists reload when an action was taken.
import { api, type CaseView } from '../api';
import { Loader, newestFirst } from './loader.svelte';

/** Bumped after every action, so open case lists reload. */
export const caseLog = $state({ version: 0 });

/** A reload keeps the rows on screen (only the first load shows the spinner). */
export class CaseList extends Loader<CaseView[]> {
  constructor(
    readonly group: string | null,
    readonly user: string | null,
  ) {
    super(() => newestFirst(api.listCases(group, user)), [], { inPlace: true });
  }

  /** Newest first. */
  get cases(): CaseView[] {
    return this.value;
  }
}
