import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RoleLimit } from './rate-limits.config';

/** What a bucket said about one request. */
export interface BucketDecision {
  allowed: boolean;
  /** Tokens the key may still spend at once (a lower bound: the burst allowance is known only once it was drawn on). */
  remaining: number;
  /** Until the per-second window refills. */
  resetMs: number;
  /** When a refused request may be retried (0 when allowed). */
  retryAfterMs: number;
  /** True when Redis did not answer and this process's local bucket decided. */
  decidedLocally: boolean;
}

/** Results that the local fallback produced (rate-limiter-flexible does not say which limiter answered). */
const decidedLocally = new WeakSet<RateLimiterRes>();

/** The in-memory "insurance" limiter rate-limiter-flexible consults when Redis fails; it marks what it decides. */
class LocalFallbackLimiter extends RateLimiterMemory {
  override consume(key: string | number, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    return super.consume(key, points, options).then(
      (res) => mark(res),
      (rejection: unknown) => Promise.reject(rejection instanceof RateLimiterRes ? mark(rejection) : rejection),
    );
  }
}

function mark(res: RateLimiterRes): RateLimiterRes {
  decidedLocally.add(res);
  return res;
}

/**
 * One role's token buckets, one per key, shared through Redis by every process. Built the way
 * rate-limiter-flexible's BurstyRateLimiter composes two of its limiters (composed here to learn
 * which one decided): `perSecond` tokens per one-second window, and when those are spent, a burst
 * allowance of `burst - perSecond` more that refills over `burst / perSecond` seconds — the time a
 * token bucket of that size takes to refill. A refused request still counts against its window.
 *
 * Each Redis limiter has a local in-memory insurance limiter with 1/`processes` of its tokens:
 * while Redis is down or slower than the client's command timeout, every process limits on its
 * own (the deployment as a whole allows about the configured rate), and Redis is used again as
 * soon as it answers. Counts spent locally are not copied into Redis.
 */
export class RoleBucket {
  private readonly perSecond: RateLimiterRedis;
  private readonly burst: RateLimiterRedis | undefined;
  /** The RateLimit-Policy field: `<rate>;w=1`, and the burst allowance over its refill window when there is one. */
  readonly policy: string;

  constructor(
    redis: unknown,
    keyPrefix: string,
    readonly limit: RoleLimit,
    processes: number,
  ) {
    const shared = (points: number, duration: number, prefix: string) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: prefix,
        points,
        duration,
        // Straight to the local bucket while the client is reconnecting, without a doomed call.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new LocalFallbackLimiter({ keyPrefix: prefix, points: Math.max(1, Math.floor(points / processes)), duration }),
      });
    this.perSecond = shared(limit.perSecond, 1, keyPrefix);
    const extra = limit.burst - limit.perSecond;
    const refillSeconds = Math.ceil(limit.burst / limit.perSecond);
    this.burst = extra > 0 ? shared(extra, refillSeconds, `${keyPrefix}:burst`) : undefined;
    this.policy = extra > 0 ? `${limit.perSecond};w=1, ${extra};w=${refillSeconds}` : `${limit.perSecond};w=1`;
  }

  async take(key: string, cost: number): Promise<BucketDecision> {
    const first = await settle(this.perSecond.consume(key, cost));
    if (first.allowed || !this.burst) return decision(first, first);
    const second = await settle(this.burst.consume(key, cost));
    return decision(second, first);
  }
}

/** Accepted or refused, the library answers a RateLimiterRes; anything else is an error and rethrown. */
async function settle(consumption: Promise<RateLimiterRes>): Promise<{ allowed: boolean; res: RateLimiterRes }> {
  try {
    return { allowed: true, res: await consumption };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
    throw rejection;
  }
}

function decision(last: { allowed: boolean; res: RateLimiterRes }, perSecond: { res: RateLimiterRes }): BucketDecision {
  return {
    allowed: last.allowed,
    remaining: last.res.remainingPoints,
    resetMs: perSecond.res.msBeforeNext,
    retryAfterMs: last.allowed ? 0 : Math.min(perSecond.res.msBeforeNext, last.res.msBeforeNext),
    decidedLocally: decidedLocally.has(last.res),
  };
}
