import { InMemoryPendingInvalidationStore, InMemoryWriterRegistry } from '../in-memory/in-memory-cache-fence';
import { InMemoryRecordCacheStore } from '../in-memory/in-memory-record-cache-store';
import { recordCacheKey } from '../record-cache-store.port';
import { StoreRecordCacheInvalidator } from '../store-record-cache-invalidator';
import { CacheWriterFence } from './cache-writer-fence';
import { StaleWriterSweeper } from './stale-writer-sweeper';

const KEY = recordCacheKey('k:', 'acme', '1000');

/** One writer on a fake clock; Redis's clock runs `offset` ms away from the writer's. */
function setup(offset = -400) {
  const clock = { t: 10_000 };
  const registry = new InMemoryWriterRegistry(() => clock.t + offset);
  const pending = new InMemoryPendingInvalidationStore(2);
  const cache = new InMemoryRecordCacheStore();
  const sleeps: number[] = [];
  const fence = new CacheWriterFence(registry, pending, cache, {
    keyPrefix: 'k:',
    heartbeatMs: 500,
    leaseMs: 1500,
    clockAllowanceMs: 0,
    shardFor: () => 1,
    now: () => clock.t,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
  });
  const invalidator = new StoreRecordCacheInvalidator(cache, 'k:', fence);
  const cut = (down: boolean) => {
    cache.down = down;
    registry.down = down;
  };
  return { clock, registry, pending, cache, fence, invalidator, sleeps, cut };
}


/**
 * A steady stream of updates of records 1000..1049 of acme through `t.invalidator`: `arrive()`
 * starts one (not awaited, like a request arriving mid-step). Each acknowledgement is checked
 * against ADR 0006's invariant: the token a reader could have seen before the write is gone, or
 * readers bypass the cache (some lease ended). Failed updates are collected, not thrown.
 */
function updateStream(t: ReturnType<typeof setup>) {
  let n = 0;
  const inFlight: Promise<void>[] = [];
  const acked: string[] = [];
  const failed: string[] = [];
  const violations: string[] = [];
  const update = async (recordId: string) => {
    const key = recordCacheKey('k:', 'acme', recordId);
    const before = t.cache.entries.get(key)?.token;
    try {
      await t.invalidator.invalidate('acme', recordId);
    } catch (error) {
      failed.push(`${recordId}: ${String(error)}`);
      return;
    }
    acked.push(recordId);
    if (before !== undefined && t.cache.entries.get(key)?.token === before && t.registry.cacheUsable()) violations.push(recordId);
  };
  return {
    acked,
    failed,
    violations,
    arrive: (count = 1) => {
      for (let i = 0; i < count; i++) inFlight.push(update(String(1000 + (n++ % 50))));
    },
    settled: () => Promise.all(inFlight),
  };
}

/**
 * Makes `count` updates arrive before each step the rejoin takes on Redis or a shard, up to
 * `maxSteps` steps in all (a bound, so that a writer that never stops recording cannot make the
 * replay loop forever on the microtask queue).
 */
function arriveAtEveryStep(t: ReturnType<typeof setup>, stream: ReturnType<typeof updateStream>, count = 2, maxSteps = 40) {
  const steps = { time: 0, list: 0, delete: 0, join: 0 };
  let total = 0;
  const wrap = <T extends object>(target: T, name: keyof typeof steps & keyof T) => {
    const original = (target[name] as (...args: unknown[]) => Promise<unknown>).bind(target);
    (target as Record<string, unknown>)[name] = (...args: unknown[]) => {
      steps[name]++;
      if (total++ < maxSteps) stream.arrive(count);
      return original(...args);
    };
  };
  wrap(t.registry, 'time');
  wrap(t.registry, 'join');
  wrap(t.pending, 'list');
  wrap(t.pending, 'delete');
  return steps;
}

/** 5 s later, another writer that reaches Redis (as this one does again from now on) sweeps the stale ones. */
function sweptByAnotherWriter(t: ReturnType<typeof setup>) {
  t.clock.t += 5_000;
  t.cut(false);
  return new StaleWriterSweeper(t.registry, t.pending, t.cache, { keyPrefix: 'k:', sweepAfterMs: 2_000, intervalMs: 1_000, ownIds: () => [] }).sweep();
}

/** A member again, under a new id that replaced `old` in the registry. */
function expectMemberUnderNewId(t: ReturnType<typeof setup>, old: string) {
  expect(t.fence.fenceState).toBe('member');
  expect(t.fence.ownIds()).not.toContain(old);
  expect([...t.registry.leases.keys()]).toEqual(t.fence.ownIds());
}

/** Readers (re)create a token for every record of the stream, as lookups do. */
async function readersHoldTokens(t: ReturnType<typeof setup>) {
  for (let i = 0; i < 50; i++) await t.cache.lookup(recordCacheKey('k:', 'acme', String(1000 + i)), null);
}

describe('CacheWriterFence (fake clocks, in-memory Redis and shards)', () => {
  it('a writer that never reached Redis cannot fence anyone: its failed invalidation still answers 503', async () => {
    const t = setup();
    t.cut(true);
    await t.fence.tick();
    expect(t.fence.fenceState).toBe('outside');
    await expect(t.invalidator.invalidate('acme', '1000')).rejects.toMatchObject({ code: 'CACHE.INVALIDATION_FAILED' });
    expect(t.pending.rows).toEqual([]);
  });

  it('records, then acknowledges exactly when readers see the lease ended; rejoins only after replaying', async () => {
    const t = setup();
    await t.fence.tick();
    expect([t.fence.fenceState, t.registry.cacheUsable()]).toEqual(['member', true]);
    t.clock.t += 500;
    await t.fence.tick(); // heartbeat
    await t.cache.lookup(KEY, null); // a reader created the record's token
    t.cut(true);
    t.clock.t += 300;
    await t.invalidator.invalidate('acme', '1000');
    // Waited the rest of the lease sent by the last heartbeat: 1500 - 300.
    expect(t.sleeps).toEqual([1200]);
    expect(t.fence.fenceState).toBe('fenced');
    expect(t.pending.rows).toMatchObject([{ shard: 1, businessId: 'acme', recordId: '1000' }]);
    expect(t.registry.cacheUsable()).toBe(false); // every lookup bypasses from the acknowledgement on
    // The next write while fenced records at once and does not wait again.
    await t.invalidator.invalidate('acme', '1001');
    expect([t.sleeps, t.pending.rows.length]).toEqual([[1200], 2]);
    // Redis reachable again: the rejoin replays (token gone, rows deleted), then the lease is live again.
    t.cut(false);
    await t.fence.tick();
    expect([t.fence.fenceState, t.pending.rows, t.cache.entries.has(KEY), t.registry.cacheUsable()]).toEqual(['member', [], false, true]);
  });

  it('stays fenced when the replay cannot finish, and when a new failure arrives during the rejoin', async () => {
    const t = setup();
    await t.fence.tick();
    t.cut(true);
    await t.invalidator.invalidate('acme', '1000');
    t.registry.down = false; // TIME answers, DEL does not
    await t.fence.tick();
    expect([t.fence.fenceState, t.pending.rows.length]).toEqual(['fenced', 1]);
    t.cache.down = false;
    const rejoin = t.fence.tick();
    t.cache.down = true;
    const failing = t.invalidator.invalidate('acme', '1002'); // fenced: recorded, no DEL tried
    await Promise.all([rejoin, failing]);
    expect(t.fence.fenceState).toBe('fenced');
  });

  it('a writer swept while cut off has its recordings refused (503), and rejoins under a new id', async () => {
    const t = setup();
    await t.fence.tick();
    const [first] = t.fence.ownIds();
    t.cut(true);
    await t.invalidator.invalidate('acme', '1000');
    // Another writer, which reaches Redis, sweeps it after the grace period.
    t.clock.t += 5_000;
    t.registry.down = false;
    const sweeper = new StaleWriterSweeper(t.registry, t.pending, t.cache, { keyPrefix: 'k:', sweepAfterMs: 2_000, intervalMs: 1_000, ownIds: () => [] });
    t.cache.down = false;
    expect(await sweeper.sweep()).toEqual({ removed: [first], replayed: 1 });
    t.cut(true);
    await expect(t.invalidator.invalidate('acme', '1001')).rejects.toMatchObject({ code: 'CACHE.INVALIDATION_FAILED' });
    t.cut(false);
    await t.fence.tick();
    expectMemberUnderNewId(t, first);
  });

  it('rejoins in one attempt while updates keep arriving at every step of the rejoin, and never acknowledges behind an old copy', async () => {
    const t = setup();
    await t.fence.tick();
    const [first] = t.fence.ownIds();
    await readersHoldTokens(t);
    const stream = updateStream(t);
    t.cut(true);
    stream.arrive(5); // the first waits out the lease, the others record at once
    await stream.settled();
    expect([t.fence.fenceState, t.pending.rows.length, stream.failed]).toEqual(['fenced', 5, []]);
    // Redis answers again; updates keep coming, before every step of the rejoin (2 each).
    t.cut(false);
    const steps = arriveAtEveryStep(t, stream);
    await t.fence.tick();
    await stream.settled();
    // One attempt was enough: before the fix every update recorded and moved the epoch, so the
    // rejoin gave up after its replay, forever while updates kept coming.
    expect(t.fence.fenceState).toBe('member');
    expect(steps).toMatchObject({ time: 1, join: 1 });
    expect([stream.failed, stream.violations, t.pending.rows]).toEqual([[], [], []]);
    expect(stream.acked.length).toBeGreaterThanOrEqual(5 + 2 * 4);
    // Under a new id, which replaced the old one in the same step; readers use the cache again.
    expectMemberUnderNewId(t, first);
    expect(t.registry.cacheUsable()).toBe(true);
    // Every acknowledged write's old token is gone.
    for (const id of new Set(stream.acked)) expect(t.cache.entries.has(recordCacheKey('k:', 'acme', id))).toBe(false);
  });

  it('a real failure during the rejoin still aborts it (the row it recorded is replayed by the next attempt)', async () => {
    const t = setup();
    await t.fence.tick();
    await readersHoldTokens(t);
    const stream = updateStream(t);
    t.cut(true);
    stream.arrive();
    await stream.settled();
    t.cut(false);
    // The rejoin replayed the first row; a DEL of an update then misses its timeout twice.
    const original = t.pending.delete.bind(t.pending);
    t.pending.delete = async (shard, rowIds) => {
      t.pending.delete = original;
      t.cache.slowInvalidations = 2;
      stream.arrive();
      return original(shard, rowIds);
    };
    await t.fence.tick();
    await stream.settled();
    expect([t.fence.fenceState, t.pending.rows.length, t.registry.cacheUsable(), stream.failed, stream.violations]).toEqual(['fenced', 1, false, [], []]);
    await t.fence.tick();
    expect([t.fence.fenceState, t.pending.rows, t.registry.cacheUsable()]).toEqual(['member', [], true]);
  });

  it('swept while cut off and updated: explains its 503s, answers again as soon as Redis does, and rejoins under a new id under steady updates', async () => {
    const t = setup();
    await t.fence.tick();
    const [first] = t.fence.ownIds();
    await readersHoldTokens(t);
    const stream = updateStream(t);
    t.cut(true);
    stream.arrive();
    await stream.settled();
    expect(await sweptByAnotherWriter(t)).toEqual({ removed: [first], replayed: 1 });
    t.cut(true);
    // The first update after the sweep learns it (refused): 503, and the writer is outside.
    stream.arrive();
    await stream.settled();
    expect(stream.failed).toEqual([expect.stringContaining('removed from the cache fence')]);
    expect(t.fence.fenceState).toBe('outside');
    // Outside, nothing more is recorded (and refused): a DEL, or an explained 503 at once.
    stream.arrive();
    await stream.settled();
    expect(stream.failed[1]).toContain('removed from the cache fence while it could not reach Redis; it rejoins under a new id');
    expect(t.pending.rows).toEqual([]);
    // Redis back: updates answer at once (their DEL reached Redis), before the rejoin and during it.
    t.cut(false);
    stream.arrive(3);
    await stream.settled();
    expect([stream.failed.length, stream.acked.length]).toEqual([2, 4]);
    arriveAtEveryStep(t, stream);
    await t.fence.tick();
    await stream.settled();
    expect([stream.failed.length, stream.violations]).toEqual([2, []]);
    expectMemberUnderNewId(t, first);
  });

  it('swept while fenced without noticing (no update meanwhile): rejoins under a new id, so its next failure is recorded, not refused', async () => {
    const t = setup();
    await t.fence.tick();
    const [first] = t.fence.ownIds();
    t.cut(true);
    await t.invalidator.invalidate('acme', '1000');
    expect(await sweptByAnotherWriter(t)).toEqual({ removed: [first], replayed: 1 });
    await t.fence.tick();
    expectMemberUnderNewId(t, first);
    t.cut(true);
    await t.invalidator.invalidate('acme', '1001');
    expect([t.fence.fenceState, t.pending.rows.length]).toEqual(['fenced', 1]);
  });

  it('the sweeper replays every pending row before it removes a stale member, and never removes a live one', async () => {
    const t = setup();
    await t.fence.tick();
    t.cut(true);
    await t.invalidator.invalidate('acme', '1000');
    t.cut(false);
    await t.cache.lookup(KEY, null);
    t.pending.rows.push({ shard: 0, writerId: 'someone-else', rowId: '99', businessId: 'acme', recordId: '1000' });
    const sweeper = new StaleWriterSweeper(t.registry, t.pending, t.cache, { keyPrefix: 'k:', sweepAfterMs: 60_000, intervalMs: 1_000, ownIds: () => [] });
    expect(await sweeper.sweep()).toEqual({ removed: [], replayed: 0 }); // not stale long enough
    t.clock.t += 61_500;
    t.cache.down = true;
    await expect(sweeper.sweep()).rejects.toThrow('unreachable');
    expect(t.registry.leases.size).toBe(1); // the replay failed: still a member, readers still bypass
    t.cache.down = false;
    expect(await sweeper.sweep()).toMatchObject({ replayed: 2 });
    expect([t.registry.leases.size, t.pending.rows, t.cache.entries.has(KEY)]).toEqual([0, [], false]);
  });
});
