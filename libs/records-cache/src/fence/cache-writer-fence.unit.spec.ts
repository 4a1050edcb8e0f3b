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
    expect(t.fence.fenceState).toBe('member');
    expect(t.fence.ownIds()).not.toContain(first);
    expect([...t.registry.leases.keys()]).toEqual(t.fence.ownIds());
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
