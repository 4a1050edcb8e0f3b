import { ShardlineError } from '@shardline/errors';

/** A request refused by its key's rate limit before its body was read: nothing was done. */
export class RateLimitedError extends ShardlineError {
  readonly code = 'RATE_LIMIT.EXCEEDED';
  readonly kind = 'rate-limited';
  constructor(role: string, perSecond: number, burst: number, retryAfterSeconds: number) {
    super(`rate limit of the ${role} role exceeded (${perSecond} tokens per second, burst ${burst}); nothing was done, retry after ${retryAfterSeconds} s`);
  }
}
