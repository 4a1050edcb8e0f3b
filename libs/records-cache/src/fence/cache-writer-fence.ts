import { randomBytes } from 'node:crypto';
import { messageOf } from '@shardline/errors';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CacheInvalidationFailedError } from '../cache.errors';
import { RecordCacheStore } from '../record-cache-store.port';
import { PendingInvalidationStore, WriterRegistry } from './cache-fence.ports';
import { replayPendingInvalidations } from './replay-pending-invalidations';
import { WriterLease } from './writer-lease';

export interface CacheWriterFenceOptions {
  keyPrefix: string;
  /** How often a member renews its lease. */
  heartbeatMs: number;
  /** How long a lease lasts after the heartbeat that set it was sent (> heartbeatMs + a Redis command timeout). */
  leaseMs: number;
  /** Added to the wait before acknowledging: clock rate difference and small steps of Redis's clock. */
  clockAllowanceMs: number;
  /** The shard whose `pending_cache_invalidations` records a record of this business. */
  shardFor: (businessId: string) => number;
  registry?: Registry;
  log?: (level: 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) => void;
  /** Monotonic ms (tests pass a fake clock). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * outside:   not a member (not joined yet, or removed): an invalidation that fails cannot be fenced,
 *            so the write answers 503 CACHE.INVALIDATION_FAILED as before.
 * member:    heartbeating; invalidations go to Redis.
 * fenced:    an invalidation failed; no more heartbeats until the pending ones are replayed, and
 *            invalidations are recorded without trying Redis.
 * rejoining: fenced, but Redis answered again: invalidations go to Redis (a DEL done before the
 *            answer needs no fence) while the recorded ones are replayed; the lease is still ended.
 */
export type FenceState = 'outside' | 'member' | 'fenced' | 'rejoining';
const STATE_VALUE: Record<FenceState, number> = { member: 0, fenced: 1, outside: 2, rejoining: 3 };

const newWriterId = () => randomBytes(12).toString('base64url');

/**
 * A writer's side of the cache fence (docs/adr/0006). While it is a member, every lookup script
 * checks its lease; when an invalidation cannot reach Redis, the writer records it durably on the
 * record's shard, stops renewing its lease and acknowledges only once no reader can see the lease
 * as live any more, so every reader bypasses the cache from then on. It rejoins only after it
 * replayed what it recorded. A writer that dies fenced is removed by the StaleWriterSweeper, which
 * replays every recorded invalidation first.
 */
export class CacheWriterFence {
  private state: FenceState = 'outside';
  private id = newWriterId();
  /** Set while a join that replaces an older id may or may not have reached Redis. */
  private replacing: string | null = null;
  /** Ids under which this process may currently be a member of the hash (checked for a sweep mark). */
  private readonly liveIds = new Set<string>();
  /** Ids whose rows this process wrote, and the shards they are on: replayed before rejoining. */
  private readonly usedIds = new Set<string>();
  private readonly rowShards = new Set<number>();
  private readonly recording = new Set<Promise<unknown>>();
  /**
   * Bumped by every invalidation that did not reach Redis (recorded): a rejoin that began before it
   * must not complete, since its replay may have missed that row. Only real failures count: while
   * rejoining, invalidations go to Redis, so a steady stream of updates cannot starve a rejoin.
   */
  private epoch = 0;
  /** When this writer entered the fence (for the rejoin's log and histogram). */
  private fencedSince: number | null = null;
  /** The sweeper marked an id of ours, or Redis forgot it: join under a new id. */
  private renewId = false;
  /** Why this writer is outside, for the 503s it answers meanwhile. */
  private outsideBecause = 'it has not reached Redis since it started';
  private readonly lease: WriterLease;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly stateGauge: Gauge;
  private readonly pendingCounter: Counter<'event'>;
  private readonly ackWait: Histogram;
  private readonly rejoins: Counter<'result'>;
  private readonly fencedFor: Histogram;

  constructor(
    private readonly writers: WriterRegistry,
    private readonly pending: PendingInvalidationStore,
    private readonly cache: RecordCacheStore,
    private readonly options: CacheWriterFenceOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.lease = new WriterLease(this.now, options.leaseMs, options.clockAllowanceMs);
    const registers = options.registry ? [options.registry] : [];
    this.stateGauge = new Gauge({
      name: 'shardline_cache_fence_state',
      help: 'This writer in the cache fence: 0 member, 1 fenced (cached reads bypassed), 2 outside (not joined, or swept), 3 rejoining (replaying; cached reads still bypassed)',
      registers,
    });
    this.stateGauge.set(STATE_VALUE.outside);
    this.pendingCounter = new Counter({
      name: 'shardline_cache_pending_invalidations_total',
      help: 'Invalidations that could not reach Redis: recorded on a shard, replayed later, or refused (this writer was swept; the write answered 503)',
      labelNames: ['event'],
      registers,
    });
    this.ackWait = new Histogram({
      name: 'shardline_cache_fence_ack_wait_seconds',
      help: 'Time an acknowledgement waited for the fence after an invalidation failed',
      buckets: [0, 0.01, 0.1, 0.25, 0.5, 1, 1.5, 2, 3],
      registers,
    });
    this.rejoins = new Counter({
      name: 'shardline_cache_fence_rejoins_total',
      help: 'Rejoin attempts of a fenced or outside writer once Redis answered: joined, aborted (an invalidation failed meanwhile), failed (replay or join failed)',
      labelNames: ['result'],
      registers,
    });
    this.fencedFor = new Histogram({
      name: 'shardline_cache_fence_fenced_seconds',
      help: 'How long this writer was fenced (cached reads bypassed), from the first failed invalidation to the rejoin',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
      registers,
    });
  }

  get fenceState(): FenceState {
    return this.state;
  }

  /** Ids under which this process may be a member (the sweeper never sweeps them). */
  ownIds(): string[] {
    return [...this.liveIds];
  }

  /** Joins now (waits for one attempt) and then renews the lease every heartbeatMs. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** At a clean stop: no more heartbeats; replay what is pending and leave, so readers need not wait for a sweep. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    try {
      await this.replayOwn(this.epoch);
      if (this.state !== 'outside') await this.writers.leave(this.id);
    } catch (error) {
      this.options.log?.('warn', 'cache fence: could not leave cleanly; the sweeper removes this writer', { error: String(error) });
    }
  }

  /**
   * Is an invalidation worth sending to Redis? Not while fenced (a hung Redis would cost a command
   * timeout per write): record it instead (see acknowledgeUndelivered). Yes again once a rejoin saw
   * Redis answer: an invalidation delivered before the answer is safe whatever the fence's state.
   */
  get deliversToRedis(): boolean {
    return this.state !== 'fenced';
  }

  /**
   * The invalidation of (businessId, recordId) did not reach Redis (`cause`). Resolves once the
   * write may be acknowledged: it is recorded on a shard and no reader can see this writer's
   * lease as live. Throws CacheInvalidationFailedError when that cannot be had.
   */
  async acknowledgeUndelivered(businessId: string, recordId: string, cause: unknown): Promise<void> {
    if (this.state === 'outside') throw new CacheInvalidationFailedError(`${messageOf(cause)}; this writer cannot make readers bypass the cache: ${this.outsideBecause}`);
    this.enterFence();
    const shard = this.options.shardFor(businessId);
    this.usedIds.add(this.id);
    this.rowShards.add(shard);
    const recording = this.pending.record(shard, this.id, [...this.liveIds], businessId, recordId);
    this.recording.add(recording);
    let recorded: boolean;
    try {
      recorded = await recording;
    } catch (error) {
      throw new CacheInvalidationFailedError(error);
    } finally {
      this.recording.delete(recording);
    }
    if (!recorded) {
      // Swept: the sweeper replayed every row recorded before its mark and removed this writer, so
      // readers no longer bypass for it. Outside, its updates try Redis and answer, or answer 503
      // (no more refused recordings); the next tick rejoins under a new id once Redis answers.
      this.pendingCounter.inc({ event: 'refused' });
      if (this.fenceState !== 'outside') this.options.log?.('warn', 'cache fence: this writer was removed from the fence while fenced; it rejoins under a new id once Redis answers', { writer: this.id });
      this.leaveRemoved();
      this.fencedSince = null;
      throw new CacheInvalidationFailedError('this writer was removed from the cache fence while Redis was unreachable');
    }
    this.pendingCounter.inc({ event: 'recorded' });
    const waitMs = this.lease.waitUntilStaleMs();
    this.ackWait.observe(waitMs / 1000);
    if (waitMs > 0) await this.sleep(waitMs);
  }

  private enterFence(): void {
    this.epoch++;
    if (this.state === 'member') {
      this.fencedSince = this.now();
      this.options.log?.('warn', 'cache fence: an invalidation did not reach Redis; cached reads are bypassed until this writer replays it', { writer: this.id });
    }
    if (this.state === 'rejoining') this.options.log?.('info', 'cache fence: an invalidation failed during the rejoin; staying fenced', { writer: this.id });
    this.setState('fenced');
  }

  private setState(state: FenceState): void {
    this.state = state;
    this.stateGauge.set(STATE_VALUE[state]);
  }

  /** One heartbeat, or one rejoin attempt; never two at once. */
  tick(): Promise<void> {
    this.ticking ??= (this.state === 'member' ? this.heartbeat() : this.rejoin())
      .catch((error) => this.options.log?.('debug', 'cache fence: Redis unreachable', { error: String(error) }))
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async heartbeat(): Promise<void> {
    const id = this.id;
    const sentAt = this.now();
    const reply = await this.writers.heartbeat(id, this.lease.expiryToSend());
    this.lease.observe({ redisMs: reply.redisMs, sentAt, receivedAt: this.now() });
    if (reply.member) return;
    // Swept while cut off, or Redis lost its data: either way not a member any more.
    this.liveIds.delete(id);
    if (this.state === 'member') this.leaveRemoved();
  }

  /** Removed from the fence by a sweeper (or Redis forgot this writer): outside until it rejoins under a new id. */
  private leaveRemoved(): void {
    this.renewId = true;
    this.outsideBecause = 'it was removed from the cache fence while it could not reach Redis; it rejoins under a new id once Redis answers';
    this.setState('outside');
  }

  private async rejoin(): Promise<void> {
    const sentAt = this.now();
    const redisMs = await this.writers.time();
    this.lease.observe({ redisMs, sentAt, receivedAt: this.now() });
    // Redis answers. From here on invalidations go to Redis again (a DEL done before the answer is
    // safe, and readers keep bypassing while this lease is ended), so only a DEL that really fails
    // records, bumps the epoch and aborts this rejoin. Every recording that began before this line
    // is in `this.recording` or settled: the replay below awaits them.
    const wasFenced = this.state === 'fenced';
    if (wasFenced) this.setState('rejoining');
    const epoch = this.epoch;
    try {
      const replayed = await this.replayOwn(epoch);
      if (this.epoch !== epoch) {
        this.rejoins.inc({ result: 'aborted' });
        return; // an invalidation failed meanwhile: stay fenced
      }
      // A fenced writer always comes back under a new id, which replaces the old one in the same
      // script: the old id may have been marked swept meanwhile, and a member under a swept id
      // would have its next recording refused.
      if ((wasFenced || this.renewId) && !this.replacing) {
        this.replacing = this.id;
        this.id = newWriterId();
        this.renewId = false;
      }
      const replacing = this.replacing;
      // From here to the send nothing awaits: a failure after this point sees the join as sent.
      this.liveIds.add(this.id);
      const joinSentAt = this.now();
      const joined = await this.writers.join(this.id, this.lease.expiryToSend(), this.replacing);
      this.lease.observe({ redisMs: joined, sentAt: joinSentAt, receivedAt: this.now() });
      if (this.replacing) this.liveIds.delete(this.replacing);
      this.replacing = null;
      if (this.epoch !== epoch) {
        this.rejoins.inc({ result: 'aborted' });
        return; // joined, but a write failing meanwhile waits out this lease too: stay fenced
      }
      const fencedMs = this.fencedSince === null ? null : Math.round(this.now() - this.fencedSince);
      if (fencedMs !== null) this.fencedFor.observe(fencedMs / 1000);
      this.fencedSince = null;
      if (wasFenced || replacing) {
        this.rejoins.inc({ result: 'joined' });
        this.options.log?.('info', 'cache fence: rejoined; cached reads resume', { writer: this.id, replaced: replacing, replayed, fencedMs });
      }
      this.setState('member');
    } catch (error) {
      this.rejoins.inc({ result: 'failed' });
      throw error;
    } finally {
      if (this.state === 'rejoining') this.setState('fenced');
    }
  }

  /** Replays the invalidations this process recorded (after its in-flight recordings settled). */
  private async replayOwn(epoch: number): Promise<number> {
    await Promise.allSettled([...this.recording]);
    let total = 0;
    for (const shard of [...this.rowShards]) {
      const replayed = await replayPendingInvalidations(this.pending, this.cache, this.options.keyPrefix, shard, [...this.usedIds]);
      if (replayed > 0) this.pendingCounter.inc({ event: 'replayed' }, replayed);
      total += replayed;
      // A recording that started meanwhile bumped the epoch and may have added rows here: keep the shard.
      if (this.epoch === epoch) this.rowShards.delete(shard);
    }
    return total;
  }
}
