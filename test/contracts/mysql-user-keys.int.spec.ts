import { ShardDatabases } from '@shardline/sharding/mysql';
import { DEVELOPMENT_MASTER_KEY, KeyWrapping } from '@shardline/user-keys';
import { cachedMysqlUserKeys, MysqlUserKeys } from '@shardline/user-keys/mysql';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { userKeysContract } from '@shardline/testing/contracts';

async function controlDatabase(): Promise<{ dbs: TestDatabases; databases: ShardDatabases; close(): Promise<void> }> {
  const dbs = await createTestDatabases(1);
  const databases = new ShardDatabases(dbs.config);
  return { dbs, databases, close: async () => (await databases.destroy(), await dbs.drop()) };
}

userKeysContract('mysql (control database)', async () => {
  const { databases, close } = await controlDatabase();
  return { keys: new MysqlUserKeys(databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY)), close };
});

userKeysContract('mysql behind the TTL cache', async () => {
  const { databases, close } = await controlDatabase();
  return { keys: cachedMysqlUserKeys(databases.control, { masterKey: DEVELOPMENT_MASTER_KEY, developmentMasterKey: true, cacheTtlMs: 60_000 }), close };
});

describe('MysqlUserKeys at rest', () => {
  let db: Awaited<ReturnType<typeof controlDatabase>>;
  beforeAll(async () => (db = await controlDatabase()));
  afterAll(async () => db.close());

  it('stores keys wrapped by the master key, and a wrong master key opens nothing (a configuration error, not an erasure)', async () => {
    const keys = new MysqlUserKeys(db.databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
    const key = (await keys.keysFor(['4242'])).get('4242')!;
    const [[row]] = await db.databases.control.raw('SELECT wrapped_key, created_time, erased_time FROM user_keys WHERE user_id = 4242');
    expect(row.wrapped_key).toHaveLength(61);
    expect(row.wrapped_key.includes(key)).toBe(false);
    expect(row.erased_time).toBeNull();
    const otherMaster = new MysqlUserKeys(db.databases.control, new KeyWrapping(Buffer.alloc(32, 7)));
    await expect(otherMaster.existingKeys(['4242'])).rejects.toMatchObject({ code: 'USER_KEYS.UNWRAP_FAILED', retriable: false });
  });

  it('forgetting sets the key to NULL with an erased_time', async () => {
    const keys = new MysqlUserKeys(db.databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
    await keys.keysFor(['4343']);
    await keys.forget('4343');
    const [[row]] = await db.databases.control.raw('SELECT wrapped_key, erased_time FROM user_keys WHERE user_id = 4343');
    expect(row.wrapped_key).toBeNull();
    expect(row.erased_time).toBeInstanceOf(Date);
  });

  it('every forget raises the erasure count, after the key is gone (also a repeated one: a saga retrying a forget that failed before)', async () => {
    const keys = new MysqlUserKeys(db.databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
    await keys.keysFor(['4444']);
    const before = await keys.erasureCount();
    await keys.forget('4444');
    const once = await keys.erasureCount();
    expect(once).toBeGreaterThan(before); // by forget's own raise and the removal's trigger (0009)
    await keys.forget('4444');
    expect(await keys.erasureCount()).toBeGreaterThan(once);
  });

  it('a key cached by one process is dropped there at its next erasure-count read once another process forgets it, long before the TTL', async () => {
    const config = { masterKey: DEVELOPMENT_MASTER_KEY, developmentMasterKey: true, cacheTtlMs: 60_000 };
    const api = cachedMysqlUserKeys(db.databases.control, config);
    const eraser = cachedMysqlUserKeys(db.databases.control, config);
    const key = (await api.keysFor(['4545'])).get('4545');
    expect(key).toHaveLength(32);
    await eraser.forget('4545');
    // Within a second (the count is read again at most every second while lookups come in), not 60 s.
    const deadline = Date.now() + 5_000;
    let seen = (await api.keysFor(['4545'])).get('4545');
    while (seen !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await api.keysFor(['4545'])).get('4545');
    }
    expect(seen).toBeNull();
  });

  it('keeps keys past the TTL while nobody is erased: only the erasure count is read meanwhile', async () => {
    const keys = cachedMysqlUserKeys(db.databases.control, { masterKey: DEVELOPMENT_MASTER_KEY, developmentMasterKey: true, cacheTtlMs: 200 });
    const key = (await keys.keysFor(['4646'])).get('4646');
    const store = jest.spyOn(MysqlUserKeys.prototype, 'keysFor');
    try {
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 60)); // 600 ms in all: three TTLs
        expect((await keys.keysFor(['4646'])).get('4646')).toEqual(key);
      }
      expect(store).not.toHaveBeenCalled();
    } finally {
      store.mockRestore();
    }
  });

  it('hands out the keys it stored without reading them back, and where another process created one of them first, that one', async () => {
    const control = db.databases.control;
    const other = new MysqlUserKeys(control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
    const ids = Array.from({ length: 1500 }, (_, i) => String(9_100_000 + i)); // two chunks of the insert
    const victim = ids[1200]; // in the second chunk
    const statements: string[] = [];
    let raced: Buffer | null | undefined;
    // Just before the first INSERT IGNORE of the second chunk, another process creates the victim's key.
    const racing = new Proxy(control, {
      get(target, property, receiver) {
        if (property !== 'raw') return Reflect.get(target, property, receiver);
        return async (sql: string, values: unknown[]) => {
          statements.push(sql.slice(0, 30));
          if (sql.startsWith('INSERT IGNORE') && values.includes(victim) && raced === undefined) raced = (await other.keysFor([victim])).get(victim);
          return target.raw(sql, values as never);
        };
      },
    });
    const selects: string[] = [];
    const onQuery = (query: { sql: string }) => void (query.sql.startsWith('select') && selects.push(query.sql));
    control.on('query', onQuery);
    let keys: Map<string, Buffer | null>;
    try {
      keys = await new MysqlUserKeys(racing, new KeyWrapping(DEVELOPMENT_MASTER_KEY)).keysFor(ids);
    } finally {
      control.off('query', onQuery);
    }
    expect(statements.filter((sql) => sql.startsWith('INSERT IGNORE'))).toHaveLength(2);
    // Ids per read: ours of all (two chunks), the other process's of the victim (its insert was not
    // contested: no read back), then ours of the contested second chunk only; none of the first chunk.
    expect(selects.map((sql) => sql.split('?').length - 1)).toEqual([1000, 500, 1, 500]);
    expect(raced).toBeInstanceOf(Buffer);
    expect(keys.get(victim)!.equals(raced!)).toBe(true);
    const stored = await new MysqlUserKeys(control, new KeyWrapping(DEVELOPMENT_MASTER_KEY)).existingKeys(ids);
    for (const id of ids) expect(keys.get(id)!.equals(stored.get(id)!)).toBe(true);
  });

  it('answers USER_KEYS.UNAVAILABLE (retriable) when the control database cannot be reached', async () => {
    const { createPool } = await import('@shardline/sharding/mysql');
    const unreachable = createPool({ ...db.dbs.config.control, port: 1 }, { poolMax: 1, connectTimeoutMs: 300 });
    try {
      const error = await new MysqlUserKeys(unreachable, new KeyWrapping(DEVELOPMENT_MASTER_KEY)).keysFor(['1']).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'USER_KEYS.UNAVAILABLE', retriable: true });
    } finally {
      await unreachable.destroy();
    }
  });
});
