import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnavailableError } from '@shardline/errors';
import { toErrorResponse } from '@shardline/http';
import { bearerTokenOf } from '../api-key-token';
import { RoleRequiredError, UnauthenticatedError } from '../auth.errors';
import type { KeyVerifier } from '../key-verifier';
import { hasAnyRole, type Principal, type Role } from '../roles';
import { setPrincipal } from './principal-of';

/** What a route needs: nothing (health), any valid key (unknown routes), or one of some roles. */
export type RouteAccess = 'open' | 'authenticated' | readonly Role[];

/** The access rule of a request: `route` is Fastify's route pattern (`/api/v1/data/:business_id/:id`), undefined for a 404. */
export type RoutePolicy = (method: string, route: string | undefined, path: string) => RouteAccess;

/**
 * A policy from a table of `METHOD /route/pattern` → access: a listed route gets its entry, a
 * route missing from the table needs `admin` (secure by default), an unknown path (404) needs any
 * valid key (so unauthenticated callers learn nothing about which paths exist).
 */
export function routePolicyOf(table: Readonly<Record<string, RouteAccess>>): RoutePolicy {
  return (method, route) => (route === undefined ? 'authenticated' : (table[`${method} ${route}`] ?? ['admin']));
}

/**
 * Authentication and role checks as the first onRequest hook: header only (no body is read), so
 * a refusal costs nothing but the lookup, and a verified key's principal is cached (KeyVerifier),
 * making the common case synchronous. 401 (with `WWW-Authenticate: Bearer`) for a missing,
 * malformed, unknown or revoked key; 403 for a key without a role the route needs. Tenant scope
 * (business prefixes) needs the request's business ids, so handlers check it (scope.ts).
 * Register it before any hook that reads principalOf (the rate limiter).
 */
export function authenticateRequests(fastify: FastifyInstance, verifier: KeyVerifier, policy: RoutePolicy): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    const access = policy(request.method === 'HEAD' ? 'GET' : request.method, request.routeOptions.url, request.url.split('?', 1)[0]);
    if (access === 'open') return done();
    const token = bearerTokenOf(request.headers.authorization);
    if (token === null) {
      const missing = request.headers.authorization === undefined ? 'send Authorization: Bearer <API key>' : 'the Authorization header must be "Bearer <API key>"';
      return refuse(reply, new UnauthenticatedError('AUTH.KEY_MISSING', missing));
    }
    const admit = (verdict: Principal | Error) => {
      if (verdict instanceof Error) return refuse(reply, verdict);
      if (access !== 'authenticated' && !hasAnyRole(verdict, access)) return refuse(reply, new RoleRequiredError(verdict.keyId, access));
      setPrincipal(request, verdict);
      done();
    };
    const cached = verifier.cached(token);
    if (cached) return admit(cached);
    verifier.verify(token).then(admit, (error: unknown) =>
      admit(error instanceof UnauthenticatedError ? error : new UnavailableError('AUTH.UNAVAILABLE', 'API keys cannot be checked now (control database unreachable)', error)),
    );
  });
}

function refuse(reply: FastifyReply, error: Error): void {
  const { status, body } = toErrorResponse(error);
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  if (status === 503) reply.header('retry-after', '1');
  void reply.code(status).send(body);
}
