// What a group lets me do to whom: the member actions it allows (its `can`) and whether a member is within reach.
import type { Group, Member, MessageView } from '../../api';
import type { DialogAction, MemberAction } from '../../state/keys.svelte';

export const MEMBER_ACTIONS: readonly MemberAction[] = ['warn', 'mute', 'kick', 'ban'];

/** What a tab asks the group screen to open the action dialog on. */
export interface ActionRequest {
  action: DialogAction;
  member: Member | null;
  message: MessageView | null;
}

/** The member actions this group allows me (its `can`), in key order. */
export function memberActions(group: Group | undefined): MemberAction[] {
  return MEMBER_ACTIONS.filter((a) => group?.can.includes(a));
}

/** Only members below my power can be acted on (a creator outranks every level). */
export function reachable(group: Group | undefined, m: Member): boolean {
  if (!group || m.power === null) return false;
  return group.power === null || m.power < group.power;
}
