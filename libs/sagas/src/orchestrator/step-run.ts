import { randomUUID } from 'node:crypto';
import { messageOf } from '@shardline/errors';
import type { SagaStore } from '../ports/saga-store.port';

/** How long a run holds its saga without renewing; renewed every third of it while its work executes. */
export const DEFAULT_RUN_LEASE_MS = 15_000;

type Log = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) => void;

/**
 * One job's run of a step and the saga's run lease it holds (SagaStore.claimRun). The lease is
 * renewed while the step's work executes — also after runWithTimeout gave up waiting for it, since
 * abandoned work may still be writing (a statement waiting on a lock, a grant about to commit) —
 * and ends when the work has settled: with the run's own save when the work settled before it (so
 * the job that save enqueues never finds the saga busy), else on its own once the work settles. A
 * worker that dies stops renewing: its lease runs out and the next run goes ahead.
 */
export class StepRun {
  readonly token = randomUUID();
  private started = false;
  private settled = false;
  private released = false;
  private work: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: SagaStore,
    private readonly sagaId: string,
    private readonly leaseMs: number,
    private readonly log: Log,
  ) {}

  /** Runs the step's work under the lease. */
  executing<T>(work: () => Promise<T>): Promise<T> {
    this.started = true;
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
    const running = Promise.resolve().then(work);
    // Registered before the caller's race subscribes: `settled` is true by the time the caller resumes.
    this.work = running.then(
      () => this.settle(),
      () => this.settle(),
    );
    return running;
  }

  /** The token a save may end the lease with: only once the work has settled (or never started). */
  releaseToken(): string | undefined {
    return !this.started || this.settled ? this.token : undefined;
  }

  /** A save carrying releaseToken() succeeded: the lease is over. */
  releasedBySave(token: string | undefined): void {
    if (token !== undefined) this.released = true;
  }

  /** After the job's outcome: ends the lease now, or when the work settles, unless a save did. */
  finish(): void {
    if (this.released) return this.stopRenewing();
    if (!this.started || this.settled) return void this.release();
    void this.work?.then(() => this.release());
  }

  private settle(): void {
    this.settled = true;
  }

  private async renew(): Promise<void> {
    if (this.started && this.settled) return this.stopRenewing();
    try {
      if (!(await this.store.renewRun(this.sagaId, this.token, this.leaseMs))) this.stopRenewing();
    } catch (error) {
      this.log('warn', `saga ${this.sagaId}: could not renew its run lease (another run may start when it runs out): ${messageOf(error)}`);
    }
  }

  private async release(): Promise<void> {
    this.stopRenewing();
    if (this.released) return;
    this.released = true;
    try {
      await this.store.releaseRun(this.sagaId, this.token);
    } catch (error) {
      this.log('warn', `saga ${this.sagaId}: could not end its run lease (the next run waits until it runs out): ${messageOf(error)}`);
    }
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
