import { CachedUserKeys } from './cached-user-keys';
import { InMemoryUserKeys } from './in-memory/in-memory-user-keys';
import type { DataKey, UserKeys } from './user-keys.port';

/** A clock the test moves by hand. */
function clock() {
  const c = { t: 1000, now: () => c.t };
  return c;
}

describe('CachedUserKeys (the bound on how long a forgotten key stays usable)', () => {
  it('answers from the cache within the TTL, asks the store again after it', async () => {
    const store = new InMemoryUserKeys();
    const time = clock();
    const cached = new CachedUserKeys(store, { ttlMs: 100 }, time.now);
    const key = (await cached.keysFor(['1'])).get('1');
    time.t += 99;
    expect((await cached.existingKeys(['1'])).get('1')).toEqual(key);
    expect(store.lookups).toBe(1);
    time.t += 1;
    await cached.existingKeys(['1']);
    expect(store.lookups).toBe(2);
  });

  it('another process forgets the key: this one stops using it at most TTL after the forget', async () => {
    const store = new InMemoryUserKeys();
    const time = clock();
    const cached = new CachedUserKeys(store, { ttlMs: 100 }, time.now);
    expect((await cached.existingKeys(['1'])).get('1')).toBeNull(); // not created yet: nothing cached
    await store.keysFor(['1']);
    expect((await cached.existingKeys(['1'])).get('1')).not.toBeNull();
    time.t += 40;
    await store.forget('1'); // the erase saga, elsewhere
    time.t += 59;
    expect((await cached.existingKeys(['1'])).get('1')).not.toBeNull(); // still within its TTL
    time.t += 1;
    expect((await cached.existingKeys(['1'])).get('1')).toBeNull();
    expect((await cached.keysFor(['1'])).get('1')).toBeNull();
  });

  it('dates an entry from the START of its lookup: a slow read of a key forgotten meanwhile is not kept longer', async () => {
    const time = clock();
    let release!: () => void;
    const slow: UserKeys = {
      keysFor: async () => {
        await new Promise<void>((r) => (release = r));
        return new Map<string, DataKey | null>([['1', Buffer.alloc(32, 1)]]);
      },
      existingKeys: async () => new Map(),
      forget: async () => true,
    };
    const cached = new CachedUserKeys(slow, { ttlMs: 100 }, time.now);
    const lookup = cached.keysFor(['1']);
    await new Promise((r) => setImmediate(r));
    time.t += 70; // the read took 70 ms: the entry has 30 ms left
    release();
    await lookup;
    slow.keysFor = async () => new Map([['1', null]]);
    time.t += 29;
    expect((await cached.keysFor(['1'])).get('1')).not.toBeNull();
    time.t += 1;
    expect((await cached.keysFor(['1'])).get('1')).toBeNull();
  });

  it('keeps keysFor nulls (erased is final) but not existingKeys nulls (maybe never seen), so a later keysFor still creates', async () => {
    const store = new InMemoryUserKeys();
    const cached = new CachedUserKeys(store, { ttlMs: 1000 }, clock().now);
    expect((await cached.existingKeys(['5'])).get('5')).toBeNull();
    expect((await cached.keysFor(['5'])).get('5')).toHaveLength(32);
    await store.forget('6');
    await cached.keysFor(['6']);
    const before = store.lookups;
    expect((await cached.keysFor(['6'])).get('6')).toBeNull();
    expect(store.lookups).toBe(before);
  });

  it('asks the store only for the misses of a batch, once', async () => {
    const store = new InMemoryUserKeys();
    const cached = new CachedUserKeys(store, { ttlMs: 1000 }, clock().now);
    await cached.keysFor(['1', '2']);
    const spy = jest.spyOn(store, 'keysFor');
    const keys = await cached.keysFor(['1', '2', '3', '3']);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalledWith(['3']);
    expect([...keys.keys()].sort()).toEqual(['1', '2', '3']);
  });

  it('forget through the cache drops the local copy at once', async () => {
    const cached = new CachedUserKeys(new InMemoryUserKeys(), { ttlMs: 60_000 }, clock().now);
    await cached.keysFor(['1']);
    expect(await cached.forget('1')).toBe(true);
    expect((await cached.existingKeys(['1'])).get('1')).toBeNull();
    expect((await cached.keysFor(['1'])).get('1')).toBeNull();
  });

  it('keeps a copy of its own: a caller that zeroes the key it got does not change what the cache hands out', async () => {
    const time = clock();
    const key = Buffer.alloc(32, 9);
    const store: UserKeys = { keysFor: async () => new Map([['1', key]]), existingKeys: async () => new Map(), forget: async () => true };
    const cached = new CachedUserKeys(store, { ttlMs: 1000 }, time.now);
    (await cached.keysFor(['1'])).get('1')!.fill(0);
    key.fill(0);
    expect((await cached.keysFor(['1'])).get('1')).toEqual(Buffer.alloc(32, 9));
  });

  it('a TTL of 0 caches nothing', async () => {
    const store = new InMemoryUserKeys();
    const cached = new CachedUserKeys(store, { ttlMs: 0 }, clock().now);
    await cached.keysFor(['1']);
    await cached.keysFor(['1']);
    expect(store.lookups).toBe(2);
  });

  describe('with the store\'s erasure count (keys kept while nobody is erased)', () => {
    /** Lets the background read of the erasure count finish. */
    const settle = () => new Promise((r) => setImmediate(r));

    it('keeps a key past its TTL while the count stays put, reading only the count meanwhile', async () => {
      const store = new InMemoryUserKeys();
      const time = clock();
      const cached = new CachedUserKeys(store, { ttlMs: 100, erasures: store }, time.now);
      const key = (await cached.keysFor(['1'])).get('1');
      const counts = jest.spyOn(store, 'erasureCount');
      for (let step = 0; step < 40; step++) {
        time.t += 10;
        expect((await cached.keysFor(['1'])).get('1')).toEqual(key);
        await settle();
      }
      expect(store.lookups).toBe(1);
      expect(counts.mock.calls.length).toBeGreaterThan(0);
      expect(counts.mock.calls.length).toBeLessThanOrEqual(40 / 2); // at most every ttl/4 = 25 ms
    });

    it('another process forgets a key: this one stops using it at the next count read, and never later than TTL after the forget', async () => {
      const store = new InMemoryUserKeys();
      const time = clock();
      const cached = new CachedUserKeys(store, { ttlMs: 100, erasures: store }, time.now);
      await cached.keysFor(['1']);
      time.t += 500; // long past the entry's own TTL, vouched for by the count
      expect((await cached.existingKeys(['1'])).get('1')).not.toBeNull();
      await settle();
      await store.forget('1'); // the erase saga, elsewhere: the count moves
      expect((await cached.existingKeys(['1'])).get('1')).not.toBeNull(); // the last read still vouches
      time.t += 25;
      await cached.existingKeys(['2']); // a lookup that starts the next count read
      await settle();
      expect((await cached.existingKeys(['1'])).get('1')).toBeNull();
      expect((await cached.keysFor(['1'])).get('1')).toBeNull();
    });

    it('a count that cannot be read vouches no longer than TTL after its last read started', async () => {
      const store = new InMemoryUserKeys();
      const time = clock();
      const cached = new CachedUserKeys(store, { ttlMs: 100, erasures: store }, time.now);
      await cached.keysFor(['1']);
      jest.spyOn(store, 'erasureCount').mockRejectedValue(new Error('control database down'));
      time.t += 99;
      await cached.keysFor(['1']);
      await settle();
      expect(store.lookups).toBe(1);
      time.t += 1; // 100 ms since the last good read started (at the first lookup)
      await store.forget('1');
      expect((await cached.keysFor(['1'])).get('1')).toBeNull();
      expect(store.lookups).toBe(2);
    });

    it('dates a count by the START of its read: a slow read taken before a forget vouches only TTL from when it began', async () => {
      const store = new InMemoryUserKeys();
      const time = clock();
      const cached = new CachedUserKeys(store, { ttlMs: 100, erasures: store }, time.now);
      await cached.keysFor(['1']);
      await settle();
      let release!: () => void;
      jest.spyOn(store, 'erasureCount').mockImplementationOnce(async () => {
        const before = 0; // read before the forget below
        await new Promise<void>((r) => (release = r));
        return before;
      });
      time.t += 30;
      await cached.keysFor(['1']); // starts the slow read at t = 1030
      await store.forget('1');
      time.t += 60;
      release();
      await settle();
      jest.spyOn(store, 'erasureCount').mockRejectedValue(new Error('control database down')); // no newer read
      time.t += 39; // 99 ms after the slow read started: it still vouches
      expect((await cached.existingKeys(['1'])).get('1')).not.toBeNull();
      time.t += 1;
      expect((await cached.existingKeys(['1'])).get('1')).toBeNull();
    });
  });
});
