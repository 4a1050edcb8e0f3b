/** A reading of Redis's clock (`TIME`), taken at some instant between `sentAt` and `receivedAt` (local monotonic ms). */
export interface RedisTimeSample {
  redisMs: number;
  sentAt: number;
  receivedAt: number;
}

/**
 * The arithmetic of a writer's lease in the cache fence (docs/adr/0006), kept pure so it can be
 * tested with a fake clock. Leases are written in REDIS time, because readers judge them with
 * Redis's clock inside the lookup script; the writer never compares its wall clock with Redis's.
 * It knows Redis's clock only through samples: a reply carrying `TIME`, sent at local `s` and
 * received at local `r`, means that at any later local instant `t` Redis's clock reads between
 * `redisMs + (t - r)` and `redisMs + (t - s)` (Cristian's bound; the clocks' rate difference is
 * covered by `allowanceMs`). So:
 *  - a heartbeat sent at local `t` carries the expiry `upper(t) + leaseMs`, recorded as sent
 *    whether or not it ever arrives (a delayed heartbeat can still land after the writer gave up);
 *  - every reader sees the writer stale once Redis's clock passed every expiry it ever sent,
 *    which is certain from the local instant where the LOWER bound reaches the largest one.
 */
export class WriterLease {
  private sample: RedisTimeSample | null = null;
  private latestExpiry = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    private readonly leaseMs: number,
    /** Clock rate difference and small steps of Redis's clock within one lease. */
    private readonly allowanceMs: number,
  ) {}

  /** Keeps the newest reading of Redis's clock. */
  observe(sample: RedisTimeSample): void {
    if (!this.sample || sample.receivedAt >= this.sample.receivedAt) this.sample = sample;
  }

  get hasSample(): boolean {
    return this.sample !== null;
  }

  /** The expiry (Redis ms) a heartbeat leaving now carries; remembered as sent from this moment on. */
  expiryToSend(): number {
    const sample = this.requireSample();
    // Whole ms (Redis's script clock is read in whole ms), rounded up: the lease only lasts longer.
    const expiry = Math.ceil(sample.redisMs + (this.now() - sample.sentAt) + this.leaseMs);
    this.latestExpiry = Math.max(this.latestExpiry, expiry);
    return expiry;
  }

  /** The local instant from which no reader can see this writer's lease as live (−∞ before any heartbeat was sent). */
  staleFrom(): number {
    if (this.latestExpiry === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
    const sample = this.requireSample();
    return sample.receivedAt + (this.latestExpiry - sample.redisMs) + this.allowanceMs;
  }

  /** How long to wait from now until staleFrom (0 when already past). */
  waitUntilStaleMs(): number {
    return Math.max(0, this.staleFrom() - this.now());
  }

  private requireSample(): RedisTimeSample {
    if (!this.sample) throw new Error('no reading of the Redis clock yet');
    return this.sample;
  }
}
