import { WorkerLifecycle } from './worker.lifecycle';
import type { Worker } from './worker.port';

/** A worker whose prepare fails `failures` times; records what the lifecycle called. */
class FakeWorker implements Worker {
  readonly name = 'fake';
  readonly calls: string[] = [];
  failures = 0;
  /** While set, prepare waits for it (a broker that does not answer). */
  hang: Promise<void> | null = null;
  stopGate: Promise<void> = Promise.resolve();

  async prepare(): Promise<void> {
    this.calls.push('prepare');
    if (this.hang) await this.hang;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('broker down');
    }
  }
  start(): void {
    this.calls.push('start');
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
    await this.stopGate;
  }
  isReady(): boolean {
    return true;
  }
}

const backoff = { initialMs: 1, maxMs: 2 };

describe('WorkerLifecycle', () => {
  it('retries prepare until it succeeds, then starts once, and reports each failed attempt', async () => {
    const worker = new FakeWorker();
    worker.failures = 2;
    const logged: string[] = [];
    const lifecycle = new WorkerLifecycle(worker, { backoff, log: (_level, message) => logged.push(message) });
    expect(await lifecycle.isReady()).toBe(false);
    await expect(lifecycle.run()).resolves.toBe(true);
    await expect(lifecycle.run()).resolves.toBe(true); // idempotent: not started twice
    expect(worker.calls).toEqual(['prepare', 'prepare', 'prepare', 'start']);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/^fake: cannot start yet \(attempt 1\)/);
    expect(lifecycle.state).toBe('running');
    expect(lifecycle.prepared).toBe(true);
    expect(await lifecycle.isReady()).toBe(true);
    await lifecycle.stop();
    expect(lifecycle.state).toBe('stopped');
  });

  it('stopped while a prepare is in flight: the prepare is not awaited and the worker never starts', async () => {
    const worker = new FakeWorker();
    let answer!: () => void;
    worker.hang = new Promise((resolve) => (answer = resolve));
    const lifecycle = new WorkerLifecycle(worker, { backoff });
    const started = lifecycle.run();
    await expect(lifecycle.stop()).resolves.toBe(true);
    answer();
    await expect(started).resolves.toBe(false);
    expect(worker.calls).toEqual(['prepare', 'stop']);
  });

  it('stopped while waiting out a backoff: no further attempt', async () => {
    const worker = new FakeWorker();
    worker.failures = 1_000;
    const lifecycle = new WorkerLifecycle(worker, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    const started = lifecycle.run();
    await new Promise((resolve) => setImmediate(resolve)); // the first attempt failed; the 60 s wait began
    await lifecycle.stop();
    await expect(started).resolves.toBe(false);
    expect(worker.calls).toEqual(['prepare', 'stop']);
  });

  it('stop is idempotent, and says when the graceful stop outlived its timeout', async () => {
    const worker = new FakeWorker();
    worker.stopGate = new Promise(() => {}); // an in-flight batch that never finishes
    const lifecycle = new WorkerLifecycle(worker, { backoff });
    await lifecycle.run();
    const first = lifecycle.stop({ timeoutMs: 5 });
    expect(lifecycle.stop()).toBe(first);
    await expect(first).resolves.toBe(false);
    expect(worker.calls.filter((c) => c === 'stop')).toHaveLength(1);
  });
});
