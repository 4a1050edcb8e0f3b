import { messageOf } from '@shardline/errors';
import type { BackoffOptions } from './backoff';
import { GAVE_UP, retryWithBackoff } from './retry';
import type { Worker, WorkerLog } from './worker.port';

export type WorkerState = 'idle' | 'preparing' | 'running' | 'stopping' | 'stopped';

export interface WorkerLifecycleOptions {
  /** Waits between failed prepare/start attempts (capped exponential, equal jitter). */
  backoff: BackoffOptions;
  log?: WorkerLog;
}

/**
 * Prepares, starts and stops one Worker, so no app writes its own "ensure, retry, start" loop:
 *   1. prepare() until it succeeds, waiting with backoff between attempts: a dependency that is
 *      down at start delays the worker, it does not end the process;
 *   2. start() (a failed start is retried like a failed prepare);
 *   3. stop(): no new attempt begins and a backoff wait ends at once; a prepare still in flight is
 *      not awaited (it may hang on a dead broker for its whole timeout; the worker is then never
 *      started), a start in flight is; then the worker's own graceful stop().
 */
export class WorkerLifecycle {
  private readonly controller = new AbortController();
  private current: WorkerState = 'idle';
  private wasPrepared = false;
  private running: Promise<boolean> | null = null;
  private startInFlight: Promise<void> | null = null;
  private stopped: Promise<boolean> | null = null;

  constructor(
    readonly worker: Worker,
    private readonly options: WorkerLifecycleOptions,
  ) {}

  get state(): WorkerState {
    return this.current;
  }

  /** Whether prepare() has succeeded (the relay reports it as `topicReady`). */
  get prepared(): boolean {
    return this.wasPrepared;
  }

  /** Steps 1 and 2; resolves true once started, false when stopped first. Idempotent. */
  run(): Promise<boolean> {
    return (this.running ??= this.prepareAndStart());
  }

  /**
   * Step 3, idempotent. Resolves false when the worker's graceful stop did not finish within
   * `timeoutMs` (it goes on in the background; the caller decides whether to exit anyway).
   */
  stop(options: { timeoutMs?: number } = {}): Promise<boolean> {
    return (this.stopped ??= this.stopOnce(options.timeoutMs));
  }

  async isReady(): Promise<boolean> {
    return this.current === 'running' && (await this.worker.isReady());
  }

  private async prepareAndStart(): Promise<boolean> {
    const { signal } = this.controller;
    const log = this.options.log ?? (() => {});
    if (this.current === 'idle') this.current = 'preparing';
    const outcome = await retryWithBackoff(
      async () => {
        await this.worker.prepare(signal);
        this.wasPrepared = true;
        if (signal.aborted) return false;
        this.startInFlight = Promise.resolve(this.worker.start());
        try {
          await this.startInFlight;
        } finally {
          this.startInFlight = null;
        }
        return true;
      },
      {
        backoff: this.options.backoff,
        signal,
        onRetry: (error, attempt, delay) => log('warn', `${this.worker.name}: cannot start yet (attempt ${attempt}), retrying in ${delay} ms`, { error: messageOf(error) }),
      },
    );
    if (outcome === GAVE_UP || !outcome) return false;
    if (this.current === 'preparing') this.current = 'running';
    return true;
  }

  private async stopOnce(timeoutMs: number | undefined): Promise<boolean> {
    this.current = 'stopping';
    this.controller.abort();
    await this.startInFlight?.catch(() => {});
    try {
      const graceful = this.worker.stop().then(() => true);
      return timeoutMs === undefined ? await graceful : await within(graceful, timeoutMs);
    } finally {
      this.current = 'stopped';
    }
  }
}

async function within(work: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
