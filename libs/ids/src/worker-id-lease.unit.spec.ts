import { InMemoryWorkerIdLeaseStore } from './in-memory-worker-id-lease.store';
import { SnowflakeIdGenerator } from './snowflake';
import { WorkerIdLease, WorkerIdLeaseLostError } from './worker-id-lease';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Renewal by timer is off (an hour) unless a test renews by hand: each test decides when time passes. */
function lease(store: InMemoryWorkerIdLeaseStore, options: { ttlMs?: number; preferred?: number } = {}) {
  return new WorkerIdLease(store, { ttlMs: options.ttlMs ?? 60_000, renewEveryMs: 3_600_000, preferred: options.preferred, holderName: 'test' });
}

describe('WorkerIdLease', () => {
  it('gives two holders different worker ids, the preferred one to the first', async () => {
    const store = new InMemoryWorkerIdLeaseStore();
    const a = lease(store, { preferred: 5 });
    const b = lease(store, { preferred: 5 });
    expect(await a.start()).toBe(5);
    const other = await b.start();
    expect(other).not.toBe(5);
    expect(a.current()).toBe(5);
    expect(b.current()).toBe(other);
  });

  it('stops answering a worker id once its lease may have run out without a renewal, and answers again after one', async () => {
    const store = new InMemoryWorkerIdLeaseStore();
    const held = lease(store, { ttlMs: 80 });
    await held.start();
    store.unavailable = true; // the control database is away: renewals fail
    await held.renewNow();
    await sleep(120);
    expect(() => held.current()).toThrow(WorkerIdLeaseLostError);
    store.unavailable = false;
    await held.renewNow(); // nobody took it meanwhile: the same id again
    expect(held.current()).toBe(held.held);
  });

  it('moves to another worker id when its own expired and was taken over, and never mints with the taken one again', async () => {
    const store = new InMemoryWorkerIdLeaseStore();
    const first = lease(store, { ttlMs: 50, preferred: 7 });
    expect(await first.start()).toBe(7);
    const ids = new SnowflakeIdGenerator(first);
    const before = ids.next();
    await sleep(80); // expired in the store (and locally)
    const second = lease(store, { preferred: 7 });
    expect(await second.start()).toBe(7);
    expect(() => ids.next()).toThrow(WorkerIdLeaseLostError);
    await first.renewNow();
    expect(first.current()).not.toBe(7);
    const after = ids.next();
    expect(BigInt(after)).toBeGreaterThan(BigInt(before));
    expect(Number((BigInt(after) >> 12n) & 1023n)).toBe(first.current());
  });

  it('releases its id at stop, so the next process may take it at once', async () => {
    const store = new InMemoryWorkerIdLeaseStore();
    const a = lease(store, { preferred: 3 });
    await a.start();
    await a.stop();
    expect(() => a.current()).toThrow(WorkerIdLeaseLostError);
    expect(await lease(store, { preferred: 3 }).start()).toBe(3);
  });
});

describe('SnowflakeIdGenerator on a changing worker id', () => {
  it('keeps ids strictly increasing when the worker id drops within one millisecond', () => {
    let worker = 900;
    const ids = new SnowflakeIdGenerator({ current: () => worker }, () => 1_800_000_000_000);
    const a = BigInt(ids.next());
    worker = 2;
    const b = BigInt(ids.next());
    expect(b).toBeGreaterThan(a);
    expect(Number((b >> 12n) & 1023n)).toBe(2);
  });
});
