// The tabs of a group's screen, in order.
export const TABS = ['members', 'messages', 'cases', 'rules', 'admins', 'settings'] as const;
export type Tab = (typeof TABS)[number];
