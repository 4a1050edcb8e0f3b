import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { toErrorResponse } from '@shardline/http';
import { RATE_LIMITED_ROLES, type RateLimitedRole, type RateLimitsConfig } from './rate-limits.config';
import { requestCost } from './request-cost';
import { RoleBucket } from './role-bucket';
import { RateLimitedError } from './rate-limited.error';

/** Who a request is for rate limiting: the bucket key and the role whose limits apply. */
export interface RateLimitIdentity {
  id: string;
  role: string;
}

export interface RateLimitOptions {
  limits: Pick<RateLimitsConfig, 'keyPrefix' | 'processes' | 'bytesPerToken' | 'roles'>;
  /** An ioredis client that fails fast while Redis is unreachable (see connectCacheRedis). */
  redis: unknown;
  registry: Registry;
  /** The authenticated principal, when there is one; without it the client IP is the key, under `anonymous`. */
  identify?: (request: FastifyRequest) => RateLimitIdentity | undefined;
}

/** Never limited: orchestrators' probes must see the process as it is. */
const isExempt = (url: string) => url === '/health' || url.startsWith('/health/') || url.startsWith('/health?');

/**
 * Per-key rate limits (libs/rate-limits/README.md), as an onRequest hook: a refused request gets
 * 429 RATE_LIMIT.EXCEEDED with Retry-After before its body is read, before the write admission
 * (register this hook first) and before anything is done. Every limited response carries the
 * IETF draft-ietf-httpapi-ratelimit-headers (-06) fields RateLimit-Limit, RateLimit-Remaining and
 * RateLimit-Reset (seconds) and RateLimit-Policy.
 */
export function limitRequestRates(fastify: FastifyInstance, options: RateLimitOptions): void {
  const buckets = new Map<string, RoleBucket>(
    RATE_LIMITED_ROLES.map((role) => [role, new RoleBucket(options.redis, `${options.limits.keyPrefix}:${role}`, options.limits.roles[role], options.limits.processes)]),
  );
  const refusals = new Counter({
    name: 'shardline_rate_limit_refusals_total',
    help: 'Requests refused with 429 by their rate limit, by role and by what decided (redis: the shared bucket; local: this process alone, Redis being unreachable)',
    labelNames: ['role', 'decided_by'],
    registers: [options.registry],
  });

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (isExempt(request.url)) return;
    const identity = options.identify?.(request) ?? { id: `ip:${request.ip}`, role: 'anonymous' };
    const role = (buckets.has(identity.role) ? identity.role : 'anonymous') as RateLimitedRole;
    const bucket = buckets.get(role)!;
    const cost = requestCost(request.method, request.headers['content-length'], options.limits.bytesPerToken, bucket.limit.perSecond);
    const decision = await bucket.take(identity.id, cost);
    void reply
      .header('ratelimit-limit', String(bucket.limit.perSecond))
      .header('ratelimit-remaining', String(decision.remaining))
      .header('ratelimit-reset', String(Math.ceil(decision.resetMs / 1000)))
      .header('ratelimit-policy', bucket.policy);
    if (decision.allowed) return;
    refusals.inc({ role, decided_by: decision.decidedLocally ? 'local' : 'redis' });
    const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    const { status, body } = toErrorResponse(new RateLimitedError(role, bucket.limit.perSecond, bucket.limit.burst, retryAfterSeconds));
    return reply.code(status).header('retry-after', String(retryAfterSeconds)).send(body);
  });
}
