import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * Integrity issue, fault 1: a lock wait was classified as a lost connection, so one command blocked
 * on a row (here: an earlier attempt of the same Idempotency-Key still holding its row) failed its
 * whole group commit — every unrelated command answered 503 SHARD_UNAVAILABLE — after InnoDB's 50 s.
 */
describe('a command blocked on a row lock fails alone, quickly', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    api = await startApi({ ...dbs.config, lockWaitTimeoutS: 1 }, { SHARDLINE_SAGAS_ENABLED: 'false', SHARDLINE_GROUP_COMMIT_WINDOW_MS: '20' });
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('answers 503 EVENT_STORE.CONTENTION for the blocked command within the lock wait timeout; the rest of its group is written', async () => {
    const shard = 1;
    const business = businessOnShard(shard);
    // Another transaction holds the processed-command row of key "held-key", as a stuck earlier attempt would.
    const holder = await databases.shard(shard).transaction();
    await holder.raw("INSERT INTO processed_commands (command_id, request_hash, response, created_time) VALUES ('held-key', 'x', '{}', NOW(3))");
    try {
      const started = Date.now();
      const create = (headers: Record<string, string> = {}) => api.request('POST', '/api/v1/data/single', { business_id: business, user_id: 1, data_content: {} }, headers);
      const [blocked, ...others] = await Promise.all([create({ 'idempotency-key': 'held-key' }), create(), create(), create(), create(), create()]);
      for (const other of others) expectStatus(other, 201);
      expectStatus(blocked, 503);
      expect(blocked.body.error.code).toBe('EVENT_STORE.CONTENTION');
      expect(blocked.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await holder.rollback();
    }
    // Once the row is free, the retry with the same key goes through.
    const retry = await api.request('POST', '/api/v1/data/single', { business_id: business, user_id: 1, data_content: {} }, { 'idempotency-key': 'held-key' });
    expectStatus(retry, 201);
  });
});
