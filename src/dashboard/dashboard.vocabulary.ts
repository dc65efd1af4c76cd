/** Issue 12 — the closed vocabularies of the merchant dashboard. */

/** A merchant user's role in one sales channel: viewers read; developers also manage endpoints and keys; owners also manage users. */
export const DASHBOARD_ROLES = ['viewer', 'developer', 'owner'] as const;
export type DashboardRole = (typeof DASHBOARD_ROLES)[number];

/** What a role may do, in increasing order of power (`DASHBOARD_ROLES` order). */
export const DASHBOARD_PERMISSIONS = {
  read: 'viewer',
  manage_webhooks: 'developer',
  manage_keys: 'developer',
  redeliver: 'developer',
  manage_users: 'owner',
} as const satisfies Record<string, DashboardRole>;
export type DashboardPermission = keyof typeof DASHBOARD_PERMISSIONS;

export function allows(role: DashboardRole, permission: DashboardPermission): boolean {
  return DASHBOARD_ROLES.indexOf(role) >= DASHBOARD_ROLES.indexOf(DASHBOARD_PERMISSIONS[permission]);
}
