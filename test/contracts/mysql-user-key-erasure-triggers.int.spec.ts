import { ShardDatabases } from '@shardline/sharding/mysql';
import { DEVELOPMENT_MASTER_KEY, KeyWrapping } from '@shardline/user-keys';
import { MysqlUserKeys } from '@shardline/user-keys/mysql';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';

/**
 * Key caches keep keys while the erasure count stays put (CachedUserKeys), so every removal of a
 * key must move it — not only MysqlUserKeys.forget's own raise. Removals here skip forget, as an
 * older erase worker or an operator's SQL would.
 */
describe('the erasure count moves with any removal of a key (control migration 0009)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let keys: MysqlUserKeys;
  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    databases = new ShardDatabases(dbs.config);
    keys = new MysqlUserKeys(databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('raises it when a key is set to NULL or its row deleted by plain SQL, and not when nothing is removed', async () => {
    await keys.keysFor(['501', '502', '503']);
    const before = await keys.erasureCount();
    await databases.control.raw('UPDATE user_keys SET wrapped_key = NULL, erased_time = NOW(3) WHERE user_id = 501');
    const afterUpdate = await keys.erasureCount();
    expect(afterUpdate).toBeGreaterThan(before);
    await databases.control.raw('DELETE FROM user_keys WHERE user_id = 502');
    const afterDelete = await keys.erasureCount();
    expect(afterDelete).toBeGreaterThan(afterUpdate);
    // Touching a row without removing its key, or erasing an erased one, leaves the count alone.
    await databases.control.raw('UPDATE user_keys SET created_time = NOW(3) WHERE user_id = 503');
    await databases.control.raw('UPDATE user_keys SET erased_time = NOW(3) WHERE user_id = 501');
    await keys.keysFor(['504']);
    expect(await keys.erasureCount()).toBe(afterDelete);
  });
});
