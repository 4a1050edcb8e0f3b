import { InMemoryRecordState, RecordState } from '@shardline/records';
import { CachedRecordStateReader } from './cached-record-state.reader';
import { InMemoryRecordCacheStore } from './in-memory/in-memory-record-cache-store';
import { StoreRecordCacheInvalidator } from './store-record-cache-invalidator';

const record = (version: number): RecordState => ({
  id: '1000',
  businessId: 'acme',
  userId: '1',
  dataContent: { version },
  version,
  createdTime: new Date('2026-01-01T00:00:00Z'),
  updatedTime: new Date(`2026-01-01T00:00:0${version}Z`),
});

function setup(afterShardRead?: () => Promise<void>) {
  const shard = new InMemoryRecordState();
  const store = new InMemoryRecordCacheStore();
  const write = async (version: number) => {
    shard.apply(0, [{ state: { op: 'update', record: record(version) } }]);
    await new StoreRecordCacheInvalidator(store, 'k:').invalidate('acme', '1000');
  };
  const reader = (hook = afterShardRead) => new CachedRecordStateReader(shard, store, { keyPrefix: 'k:', lruMaxEntries: 100, lruTtlMs: 60_000, afterShardRead: hook });
  return { shard, store, write, reader };
}

describe('CachedRecordStateReader on the in-memory store', () => {
  it('serves the acknowledged version from every reader, including one whose LRU held the old one', async () => {
    const t = setup();
    await t.write(1);
    const [a, b] = [t.reader(), t.reader()];
    for (const r of [a, b, a, b]) expect((await r.get(0, 'acme', '1000'))?.version).toBe(1);
    await t.write(2);
    for (const r of [b, a]) expect(await r.get(0, 'acme', '1000')).toEqual(record(2));
  });

  it('a state read before a write is not stored after it', async () => {
    let pause: Promise<void> = Promise.resolve();
    const t = setup(() => pause);
    await t.write(1);
    let release!: () => void;
    pause = new Promise((resolve) => (release = resolve));
    const slow = t.reader().get(0, 'acme', '1000');
    await new Promise((resolve) => setImmediate(resolve));
    await t.write(2);
    release();
    expect((await slow)?.version).toBe(1);
    pause = Promise.resolve();
    expect((await t.reader().get(0, 'acme', '1000'))?.version).toBe(2);
  });

  it('bypasses the cache while the store is down and fails the invalidation loudly', async () => {
    const t = setup();
    await t.write(1);
    const r = t.reader();
    await r.get(0, 'acme', '1000');
    t.store.down = true;
    t.shard.apply(0, [{ state: { op: 'update', record: record(2) } }]);
    expect((await r.get(0, 'acme', '1000'))?.version).toBe(2);
    await expect(new StoreRecordCacheInvalidator(t.store, 'k:').invalidate('acme', '1000')).rejects.toMatchObject({ code: 'CACHE.INVALIDATION_FAILED', kind: 'unavailable' });
  });

  it('tries a slow invalidation once more before giving up (a busy machine is not an outage)', async () => {
    const t = setup();
    await t.write(1);
    const r = t.reader();
    await r.get(0, 'acme', '1000');
    t.shard.apply(0, [{ state: { op: 'update', record: record(2) } }]);
    t.store.slowInvalidations = 1;
    await new StoreRecordCacheInvalidator(t.store, 'k:').invalidate('acme', '1000');
    expect((await t.reader().get(0, 'acme', '1000'))?.version).toBe(2);
    t.store.slowInvalidations = 2;
    await expect(new StoreRecordCacheInvalidator(t.store, 'k:').invalidate('acme', '1000')).rejects.toMatchObject({ code: 'CACHE.INVALIDATION_FAILED' });
  });
});
