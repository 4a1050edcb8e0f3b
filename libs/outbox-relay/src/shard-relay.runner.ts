import { InternalError, messageOf, UnavailableError } from '@shardline/errors';
import { envelopeOf } from '@shardline/integration-events';
import { Backoff, sleep } from '@shardline/worker';
import type { EventPublisher, OutboxBacklog, OutboxEntry, OutboxSource, RelayLog, ShardLease } from './outbox-relay.ports';
import type { RelayMetrics } from './relay.metrics';

export interface ShardRelayOptions {
  /** Outbox rows read and published per cycle. */
  batchSize: number;
  /** Idle polling: first wait after an empty read, doubling up to idleMaxMs while the outbox stays empty. */
  idleMinMs: number;
  idleMaxMs: number;
  /**
   * Once the outbox has been empty this long, the waits go on doubling from idleMaxMs up to
   * idleQuietMaxMs: a short idleMaxMs keeps the lag of bursty writes low (a burst waits at most
   * idleMaxMs for its first read) without polling a quiet shard that often. The first rows end it.
   */
  idleQuietAfterMs: number;
  idleQuietMaxMs: number;
  /** How often a standby tries to take the lease (= worst-case failover delay after the holder's connection dies). */
  leaseRetryMs: number;
  /** Backoff after a failed publish or outbox read/delete (capped exponential). */
  errorBackoffMinMs: number;
  errorBackoffMaxMs: number;
  /** How often the backlog (rows, age) is measured. */
  backlogSampleMs: number;
  /**
   * After publishing a batch smaller than batchSize, wait this long before the next read, so rows
   * that keep coming gather into fewer, larger cycles (each costs a lease check, a read, a produce
   * request and a delete whatever its size). 0: read again at once. Adds at most this to the lag;
   * a full batch (a backlog) is followed at once either way.
   */
  lingerMs: number;
  /**
   * While reads come back empty the lease is proved at most this often (it is proved after every
   * read that found rows, before publishing, and after a failed read): an empty read publishes
   * nothing, and most polls are empty (the idle backoff between bursts). Must stay well below the
   * lease's own expiry (MySQL: the lock session's wait_timeout, which these proofs keep from running out).
   */
  leaseProofIdleMs: number;
}

export const DEFAULT_SHARD_RELAY_OPTIONS: ShardRelayOptions = {
  batchSize: 1000,
  idleMinMs: 5,
  idleMaxMs: 20,
  idleQuietAfterMs: 1000,
  idleQuietMaxMs: 100,
  leaseRetryMs: 1000,
  errorBackoffMinMs: 100,
  errorBackoffMaxMs: 10_000,
  backlogSampleMs: 2000,
  lingerMs: 0,
  leaseProofIdleMs: 1000,
};

export interface ShardRelayStatus {
  shard: number;
  leader: boolean;
  published: number;
  publishErrors: number;
  backlog: { rows: number; estimated: boolean; oldestAgeSeconds: number } | null;
  lastError: string | null;
}

/**
 * Relays one shard's outbox to the broker:
 *
 *   lease? ── no ──► wait leaseRetryMs, try again (standby)
 *     │yes
 *   read the first batchSize rows in outbox id order (failed ──► back off; no rows ──► idle wait,
 *     │                  5 ms doubling to idleMaxMs; empty for idleQuietAfterMs: on to idleQuietMaxMs)
 *   rows: still holding the lease? ── no ──► drop the batch, become standby
 *     │yes       (idle, the lease is proved every leaseProofIdleMs; after a failed read, each time)
 *   publish (resolves after the broker acked all) ── fails ──► keep the rows, back off, retry the same rows
 *     │
 *   delete exactly the published rows ──► next cycle at once if the batch was full (a backlog),
 *                                          else after lingerMs (rows keep coming: gather them)
 *
 * Why deleting (and never a high-water mark) is correct: outbox ids are allocated at INSERT, not at
 * commit, so id 10 may commit after id 11 was read, published and deleted. A relay remembering
 * "done up to 11" would skip 10 forever; this relay just finds 10 on a later read, because it is
 * still in the table. Per-stream order still holds: a stream's next version is only inserted
 * after its previous version committed (the append reads the stream, and the unique key and the
 * state-row guard serialise writers), so whenever version n+1 is visible, version n is visible
 * too, with a lower id, and is therefore published in the same batch before it or in an earlier one.
 *
 * Delivery is at-least-once: a crash between the broker's ack and the delete, a lost lease, or a
 * failed batch that was partly written republishes rows. Consumers dedupe by (stream_id,
 * stream_version).
 */
export class ShardRelay {
  private leader = false;
  /** Aborted by stop(): the loop ends after its cycle and an idle or backoff wait ends at once. */
  private stopSignal: AbortController | null = null;
  private running: Promise<void> | null = null;
  private published = 0;
  private publishErrors = 0;
  private lastError: string | null = null;
  private backlog: OutboxBacklog | null = null;
  private lastBacklogSample = Number.NEGATIVE_INFINITY;
  private lastLeaseProof = Number.NEGATIVE_INFINITY;
  private readonly idle: Backoff;
  /** The waits once the outbox has been empty idleQuietAfterMs (from idleMaxMs on). */
  private readonly quiet: Backoff;
  /** When the current run of empty reads began (null: the last read found rows). */
  private emptySince: number | null = null;
  private readonly errors: Backoff;
  private readonly label: { shard: string };

  constructor(
    private readonly source: OutboxSource,
    private readonly lease: ShardLease,
    private readonly publisher: EventPublisher,
    private readonly metrics: RelayMetrics,
    private readonly options: ShardRelayOptions = DEFAULT_SHARD_RELAY_OPTIONS,
    private readonly log: RelayLog = () => {},
    private readonly now: () => number = Date.now,
  ) {
    if (source.shard !== lease.shard) throw new InternalError('RELAY.SHARD_MISMATCH', `outbox of shard ${source.shard} paired with the lease of shard ${lease.shard}`);
    // No jitter: one loop per shard paces itself; the delays are exactly initial, 2x, 4x ... max.
    this.idle = new Backoff({ initialMs: options.idleMinMs, maxMs: options.idleMaxMs, jitter: 'none' });
    this.quiet = new Backoff({ initialMs: options.idleMaxMs, maxMs: Math.max(options.idleMaxMs, options.idleQuietMaxMs), jitter: 'none' });
    this.errors = new Backoff({ initialMs: options.errorBackoffMinMs, maxMs: options.errorBackoffMaxMs, jitter: 'none' });
    this.label = { shard: String(source.shard) };
    metrics.leader.set(this.label, 0);
    metrics.published.inc(this.label, 0);
    metrics.publishErrors.inc(this.label, 0);
    metrics.heldSlots.set(this.label, 0);
  }

  get shard(): number {
    return this.source.shard;
  }

  start(): void {
    if (this.running) return;
    this.stopSignal = new AbortController();
    this.running = this.loop(this.stopSignal.signal);
  }

  /** Stops polling, lets the in-flight publish+delete finish, releases the lease. */
  async stop(): Promise<void> {
    this.stopSignal?.abort();
    await this.running;
    this.running = null;
  }

  status(): ShardRelayStatus {
    const b = this.backlog;
    return {
      shard: this.shard,
      leader: this.leader,
      published: this.published,
      publishErrors: this.publishErrors,
      backlog: b ? { rows: b.rows, estimated: b.estimated, oldestAgeSeconds: this.ageSeconds(b) } : null,
      lastError: this.lastError,
    };
  }

  /**
   * One cycle; returns how long to wait before the next one (0: go on at once). Public so unit
   * tests drive the loop step by step without timers.
   */
  async runOnce(): Promise<number> {
    await this.sampleBacklog();
    if (!this.leader) {
      if (!(await this.lease.tryAcquire())) return this.options.leaseRetryMs;
      this.becomeLeader(true);
    }
    let entries: OutboxEntry[];
    try {
      entries = await this.source.readBatch(this.options.batchSize);
    } catch (error) {
      // An unreachable shard shows as "not leader" (its lock connection is usually gone too).
      if (!(await this.proveLease())) return this.lostLease();
      return this.failed('outbox read failed', error ?? new UnavailableError('RELAY.OUTBOX_UNAVAILABLE', 'outbox read failed'), false);
    }
    if (this.source.heldSlotCount) this.metrics.heldSlots.set(this.label, this.source.heldSlotCount());
    // Rows to publish: prove the lease first, every time — once our lock connection is gone a
    // standby may already be relaying this shard, and we must not publish behind it (a lease lost
    // during the publish is caught by the next cycle: a duplicate at worst). The proof follows the
    // read (one round trip more per batch than running both at once) so that an empty read, the
    // usual poll, costs one query: idle, the lease is proved every leaseProofIdleMs only.
    if (entries.length === 0) {
      if (this.now() - this.lastLeaseProof >= this.options.leaseProofIdleMs && !(await this.proveLease())) return this.lostLease();
      return this.idleWait();
    }
    if (!(await this.proveLease())) return this.lostLease();
    this.emptySince = null;
    this.idle.reset();
    this.quiet.reset();
    const stopTimer = this.metrics.batchSeconds.startTimer(this.label);
    try {
      await this.publisher.publish(entries.map((entry) => envelopeOf(entry.event)));
    } catch (error) {
      // Nothing deleted: the same rows (plus any that committed meanwhile) are read again after the backoff.
      return this.failed('publish failed; rows kept for retry', error, true);
    }
    stopTimer();
    try {
      await this.source.remove(entries.map((entry) => entry.outboxId));
    } catch (error) {
      // Published but not deleted: they will be published again (a harmless duplicate).
      this.count(entries.length);
      return this.failed('outbox delete failed; published rows will be republished', error, false);
    }
    this.count(entries.length);
    this.errors.reset();
    this.lastError = null;
    return entries.length < this.options.batchSize ? this.options.lingerMs : 0;
  }

  private async loop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      let delay: number;
      try {
        delay = await this.runOnce();
      } catch (error) {
        delay = this.failed('relay cycle failed', error, false);
      }
      if (delay > 0) await sleep(delay, stop);
    }
    if (this.leader) {
      this.becomeLeader(false);
      await this.lease.release().catch((error: unknown) => this.log('warn', 'lease release failed', { shard: this.shard, error: String(error) }));
    }
  }

  /** The wait after an empty read: the idle backoff, then, once the outbox stayed empty idleQuietAfterMs, the quiet one. */
  private idleWait(): number {
    const now = this.now();
    this.emptySince ??= now;
    return now - this.emptySince >= this.options.idleQuietAfterMs ? this.quiet.next() : this.idle.next();
  }

  private count(n: number): void {
    this.published += n;
    this.metrics.published.inc(this.label, n);
  }

  private failed(message: string, error: unknown, publish: boolean): number {
    this.lastError = `${message}: ${messageOf(error)}`;
    if (publish) {
      this.publishErrors += 1;
      this.metrics.publishErrors.inc(this.label);
    } else {
      this.metrics.sourceErrors.inc(this.label);
    }
    const delay = this.errors.next();
    this.log('warn', message, { shard: this.shard, error: this.lastError, retryInMs: delay });
    return delay;
  }

  private async proveLease(): Promise<boolean> {
    const held = await this.lease.isHeld();
    if (held) this.lastLeaseProof = this.now();
    return held;
  }

  private lostLease(): number {
    this.becomeLeader(false);
    this.log('warn', 'shard lease lost; standing by', { shard: this.shard });
    return this.options.leaseRetryMs;
  }

  private becomeLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    if (leader) this.lastLeaseProof = this.now(); // just acquired: proved
    this.metrics.leader.set(this.label, leader ? 1 : 0);
    if (leader) this.log('info', 'shard lease acquired; relaying', { shard: this.shard });
  }

  private async sampleBacklog(): Promise<void> {
    const now = this.now();
    if (now - this.lastBacklogSample < this.options.backlogSampleMs) return;
    this.lastBacklogSample = now;
    try {
      this.backlog = await this.source.backlog();
      this.metrics.backlogRows.set(this.label, this.backlog.rows);
      this.metrics.backlogAgeSeconds.set(this.label, this.ageSeconds(this.backlog));
    } catch {
      // The shard is unreachable: the read that follows reports it; the gauges keep their last value.
    }
  }

  private ageSeconds(backlog: OutboxBacklog): number {
    return backlog.oldestCreatedTime ? Math.max(0, (this.now() - backlog.oldestCreatedTime.getTime()) / 1000) : 0;
  }
}
