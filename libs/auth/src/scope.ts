import { OutOfScopeError } from './auth.errors';
import type { Principal } from './roles';

/**
 * Tenant scope of a key: a key with business prefixes may only touch business_ids that start with
 * one of them (byte-exact, like business_id comparisons). `undefined` principal: authentication
 * is off, everything is in scope.
 */
export function inScope(principal: Principal | undefined, businessId: string): boolean {
  const prefixes = principal?.businessPrefixes;
  return !prefixes || prefixes.some((p) => businessId.startsWith(p));
}

/** Refuses (403 AUTH.OUT_OF_SCOPE) the first business_id outside the key's prefixes, naming its field. */
export function assertInScope(principal: Principal | undefined, businesses: Iterable<{ businessId: string; field: string }>): void {
  if (!principal?.businessPrefixes) return;
  for (const { businessId, field } of businesses) {
    if (!inScope(principal, businessId)) throw new OutOfScopeError(principal.keyId, field, `"${businessId}" is outside the key's business prefixes`);
  }
}

/**
 * For requests whose answer spans businesses (a page by user_id alone, search or analytics without
 * business_id): a scoped key must name one of its businesses, or is refused — refusing keeps every
 * cursor, count and aggregate exactly what an unscoped caller would get for that business.
 */
export function assertBusinessNamed(principal: Principal | undefined, businessId: string | undefined, field = 'business_id'): void {
  if (!principal?.businessPrefixes) return;
  if (businessId === undefined) throw new OutOfScopeError(principal.keyId, field, 'is required for a key limited to business prefixes');
  assertInScope(principal, [{ businessId, field }]);
}

/** Operations over every business (erasing a user everywhere, the hottest businesses): unscoped keys only. */
export function assertUnscoped(principal: Principal | undefined, what: string): void {
  if (principal?.businessPrefixes) throw new OutOfScopeError(principal.keyId, 'Authorization', `${what} needs a key not limited to business prefixes`);
}
