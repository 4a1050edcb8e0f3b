import { bearerTokenOf, hasAnyRole, type KeyVerifier, type Principal, RoleRequiredError, UnauthenticatedError } from '@shardline/auth';

/**
 * How a command message proves its right (SHARDLINE_INTAKE_AUTH):
 *   keys          (default) the message carries an API key in its `authorization` header,
 *                 `Bearer sl_…`, verified like REST (same cache, revocation bound, roles, scopes);
 *                 the key needs the `writer` role and its id is the actor of the events;
 *   trusted-topic whoever can produce to the commands topic is trusted (broker ACLs decide); the
 *                 events' actor is SHARDLINE_INTAKE_ACTOR, optionally limited to business prefixes;
 *   off           no checks, actor null (SHARDLINE_AUTH=off: development and tests).
 */
export type IntakeAuth =
  | { mode: 'keys'; verifier: KeyVerifier }
  | { mode: 'trusted-topic'; principal: Principal }
  | { mode: 'off' };

export const INTAKE_AUTH = Symbol('IntakeAuth');

const WRITER = ['writer'] as const;

/** The principal a message acts as, or an UnauthenticatedError (401) / RoleRequiredError (403); undefined when auth is off. */
export async function principalOfMessage(auth: IntakeAuth, authorization: string | null): Promise<Principal | undefined> {
  if (auth.mode === 'off') return undefined;
  if (auth.mode === 'trusted-topic') return auth.principal;
  const token = bearerTokenOf(authorization ?? undefined);
  if (token === null) {
    throw new UnauthenticatedError('AUTH.KEY_MISSING', authorization === null ? 'send the header authorization: Bearer <API key>' : 'the authorization header must be "Bearer <API key>"');
  }
  const principal = await auth.verifier.verify(token);
  if (!hasAnyRole(principal, WRITER)) throw new RoleRequiredError(principal.keyId, WRITER);
  return principal;
}
