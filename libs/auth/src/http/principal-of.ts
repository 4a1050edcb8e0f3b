import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ROLES, type Principal } from '../roles';

/** Principals by the Node request underneath Fastify's (the same object for hooks and Nest handlers). */
const principals = new WeakMap<object, Principal>();

type RequestLike = { raw?: object } | object;
const keyOf = (request: RequestLike): object => ('raw' in request && request.raw ? request.raw : request);

export function setPrincipal(request: RequestLike, principal: Principal): void {
  principals.set(keyOf(request), principal);
}

/**
 * The authenticated caller of a request, set by the auth onRequest hook (authenticateRequests);
 * undefined when authentication is off or the route is open. Later onRequest hooks (rate limits)
 * and handlers read it.
 */
export function principalOf(request: RequestLike): Principal | undefined {
  return principals.get(keyOf(request));
}

/** `@CallerPrincipal() principal: Principal | undefined` in a Nest handler. */
export const CallerPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) => principalOf(context.switchToHttp().getRequest<object>()));

/**
 * Who a rate limit counts a request against: the key (its bucket shared by every process), limited
 * as the first of its roles in ROLES order (writer, reader, analyst, admin); undefined when no key
 * was checked (the limiter then counts by client address).
 */
export function rateLimitIdentityOf(request: RequestLike): { id: string; role: string } | undefined {
  const principal = principalOf(request);
  if (!principal) return undefined;
  const role = ROLES.find((r) => principal.roles.includes(r)) ?? 'anonymous';
  return { id: `key:${principal.keyId}`, role };
}
