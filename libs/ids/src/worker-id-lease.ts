import { randomUUID } from 'node:crypto';
import { ShardlineError } from '@shardline/errors';
import { MAX_WORKER_ID, type WorkerIdSource } from './snowflake';

/**
 * Where worker-id leases live (the control database in production; memory in unit tests). Every
 * call is atomic on its own: two processes can never both get the same worker id while its lease runs.
 * Expiry is decided by the store's clock, never by a process's.
 */
export interface WorkerIdLeaseStore {
  /** Takes a free or expired worker id (`preferred` first when given) for `ttlMs`; null when all 1024 are held. */
  acquire(holder: WorkerIdHolder, ttlMs: number, preferred?: number): Promise<number | null>;
  /** Extends the lease if `holder` still holds `workerId`; false when it expired and someone else took it. */
  renew(workerId: number, holder: WorkerIdHolder, ttlMs: number): Promise<boolean>;
  /** Gives the id back at once (graceful stop), if still held by `holder`. */
  release(workerId: number, holder: WorkerIdHolder): Promise<void>;
}

/** Who holds a lease: a random token of this process, and a name for operators (app, host, pid). */
export interface WorkerIdHolder {
  token: string;
  name: string;
}

/** This process holds no valid worker-id lease right now: it must not mint ids (503, retry later). */
export class WorkerIdLeaseLostError extends ShardlineError {
  readonly code = 'IDS.WORKER_LEASE_LOST';
  readonly kind = 'unavailable';
  constructor(reason: string) {
    super(`this process holds no valid Snowflake worker-id lease (${reason}); nothing was written, retry shortly`);
  }
}

/** All worker ids are leased by running processes. */
export class NoFreeWorkerIdError extends Error {
  constructor() {
    super(`all ${MAX_WORKER_ID + 1} Snowflake worker ids are leased by running processes`);
  }
}

export interface WorkerIdLeaseOptions {
  /** Lease length; the store frees the id this long after the last renewal. */
  ttlMs: number;
  /** Renewal period; a few renewals fit in one ttl so a passing control-database hiccup costs nothing. */
  renewEveryMs: number;
  /** Tried first (e.g. SHARDLINE_WORKER_ID); any free id otherwise. */
  preferred?: number;
  /** For operators: which process holds the id (shown by the lease table). */
  holderName: string;
  onLost?: (reason: string) => void;
  onRenewFailed?: (error: unknown) => void;
}

/**
 * Holds one worker-id lease for this process: acquired at start, renewed on a timer, released at
 * stop. `current()` answers the worker id only while the lease is certainly still ours: its local
 * deadline is measured on the monotonic clock from the moment the acquire/renew request was SENT,
 * so it always ends before the store's own expiry (which counts from when it executed the request).
 * A process that cannot renew (control database down for a whole ttl) stops minting ids instead of
 * risking one another process may take over; a renewal that finds the id taken acquires a new one.
 */
export class WorkerIdLease implements WorkerIdSource {
  private readonly holder: WorkerIdHolder;
  private workerId: number | null = null;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: WorkerIdLeaseStore,
    private readonly options: WorkerIdLeaseOptions,
  ) {
    this.holder = { token: randomUUID(), name: options.holderName.slice(0, 255) };
  }

  /** Acquires a lease (throws NoFreeWorkerIdError, or the store's error) and starts renewing it. */
  async start(): Promise<number> {
    const sentAt = performance.now();
    const workerId = await this.store.acquire(this.holder, this.options.ttlMs, this.options.preferred);
    if (workerId === null) throw new NoFreeWorkerIdError();
    this.hold(workerId, sentAt);
    this.schedule();
    return workerId;
  }

  current(): number {
    if (this.workerId === null) throw new WorkerIdLeaseLostError(this.stopped ? 'stopped' : 'not acquired');
    if (performance.now() >= this.validUntil) throw new WorkerIdLeaseLostError(`worker id ${this.workerId} could not be renewed in time`);
    return this.workerId;
  }

  /** The worker id held now (for logs and metrics), whether or not still valid. */
  get held(): number | null {
    return this.workerId;
  }

  /** One renewal now (the timer calls it; tests too). */
  renewNow(): Promise<void> {
    this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.renewing?.catch(() => {});
    const workerId = this.workerId;
    this.workerId = null;
    if (workerId !== null) await this.store.release(workerId, this.holder).catch(() => {});
  }

  private hold(workerId: number, sentAt: number): void {
    this.workerId = workerId;
    this.validUntil = sentAt + this.options.ttlMs;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.renewNow().finally(() => this.schedule()), this.options.renewEveryMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const sentAt = performance.now();
    try {
      if (this.workerId !== null && (await this.store.renew(this.workerId, this.holder, this.options.ttlMs))) {
        this.hold(this.workerId, sentAt);
        return;
      }
      // Expired and taken by another process (or never held): stop using it, take a free one.
      if (this.workerId !== null) this.options.onLost?.(`worker id ${this.workerId} was taken over after its lease expired`);
      this.workerId = null;
      const workerId = await this.store.acquire(this.holder, this.options.ttlMs, this.options.preferred);
      if (workerId !== null && !this.stopped) this.hold(workerId, sentAt);
    } catch (error) {
      this.options.onRenewFailed?.(error);
    }
  }
}
