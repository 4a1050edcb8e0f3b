import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * Integrity issue: a command that InnoDB picked as a deadlock victim three times in a row rethrew
 * the raw MySQL error, answering 500 INTERNAL. Deadlocks are forced here by a trigger on the events
 * table that raises MySQL's own deadlock error (1213) for the records of a marked user id (payloads are
 * sealed, user ids are not); the count of injected
 * deadlocks lives in a non-transactional (Aria) table, so the rollback of each attempt keeps it.
 */
describe('a command that keeps deadlocking', () => {
  const shard = 2;
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    const db = databases.shard(shard);
    await db.raw('CREATE TABLE injected_deadlocks (marker VARCHAR(32) PRIMARY KEY, budget INT NOT NULL, used INT NOT NULL DEFAULT 0) ENGINE=Aria');
    await db.raw(`
      CREATE TRIGGER inject_deadlock BEFORE INSERT ON events FOR EACH ROW
      BEGIN
        DECLARE victim VARCHAR(32) DEFAULT JSON_VALUE(NEW.data, '$.user_id');
        IF victim IS NOT NULL AND (SELECT budget > used FROM injected_deadlocks WHERE marker = victim) THEN
          UPDATE injected_deadlocks SET used = used + 1 WHERE marker = victim;
          SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found when trying to get lock (injected)';
        END IF;
      END`);
    api = await startApi(dbs.config, { SHARDLINE_SAGAS_ENABLED: 'false', SHARDLINE_GROUP_COMMIT_WINDOW_MS: '20' });
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  const create = (userId: number) => api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(shard), user_id: userId, data_content: { n: 1 } });
  const deadlocksUsed = async (userId: number) => {
    const [rows] = (await databases.shard(shard).raw('SELECT used FROM injected_deadlocks WHERE marker = ?', [String(userId)])) as [Array<{ used: number }>];
    return rows[0]?.used;
  };

  it('is written when a retry gets through (two deadlocks, then success)', async () => {
    await databases.shard(shard).raw("INSERT INTO injected_deadlocks (marker, budget) VALUES ('9001', 2)");
    const res = await create(9001);
    expectStatus(res, 201);
    expect(await deadlocksUsed(9001)).toBe(2);
  });

  it('answers 503 EVENT_STORE.CONTENTION with Retry-After (not 500) after three deadlocks, writes nothing, and leaves its group alone', async () => {
    await databases.shard(shard).raw("INSERT INTO injected_deadlocks (marker, budget) VALUES ('9002', 1000)");
    const [victim, ...others] = await Promise.all([create(9002), create(7), create(7), create(7)]);
    expectStatus(victim, 503);
    expect(victim.body.error.code).toBe('EVENT_STORE.CONTENTION');
    expect(victim.headers.get('retry-after')).toBe('1');
    for (const other of others) expectStatus(other, 201);
    // The first attempt may have run inside a group, then alone three times.
    expect(await deadlocksUsed(9002)).toBeGreaterThanOrEqual(3);
    const [rows] = (await databases.shard(shard).raw("SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(data, '$.user_id') = '9002'")) as [Array<{ n: number }>];
    expect(Number(rows[0].n)).toBe(0);
  });
});
