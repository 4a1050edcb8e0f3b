export type WorkerLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) => void;

/**
 * A long-running background worker (the relay, a projection; saga runners and slot moves next),
 * driven by WorkerLifecycle. The contract every implementation keeps:
 * - prepare(signal) creates or checks what the work needs (topics, tables, connections). It is
 *   idempotent and retried with backoff until it succeeds or the worker is stopped, so a failed
 *   attempt must leave nothing open that the next attempt would leak. `signal` aborts on stop:
 *   a prepare that notices may return early (the lifecycle then never starts the worker).
 * - start() begins the work, once, after a successful prepare. A throw counts as a failed
 *   attempt: the lifecycle prepares again and retries.
 * - stop() is graceful (work in progress finishes or is left to be redone, never half-done) and
 *   idempotent, and safe at any point: before start, while preparing, twice.
 * - isReady() answers /health/ready.
 */
export interface Worker {
  readonly name: string;
  prepare(signal: AbortSignal): Promise<void>;
  start(): Promise<void> | void;
  stop(): Promise<void>;
  isReady(): boolean | Promise<boolean>;
}
