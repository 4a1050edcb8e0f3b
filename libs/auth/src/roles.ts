/**
 * What an API key may do. A key holds one or more roles:
 *   writer   — create, update, delete, batch, move records; erase users (unscoped keys only)
 *   reader   — read records (by id, pages), search, saga status
 *   analyst  — analytics (query-api)
 *   admin    — /admin/* (keys, sagas, Bull Board) and /metrics
 */
export const ROLES = ['writer', 'reader', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Who sent a request: the key's id (recorded as the `actor` of every event it causes), its roles,
 * and the business_id prefixes it is limited to (null: every business).
 */
export interface Principal {
  keyId: string;
  roles: readonly Role[];
  businessPrefixes: readonly string[] | null;
}

export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return roles.some((role) => principal.roles.includes(role));
}
