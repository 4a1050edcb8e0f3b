import { randomUUID } from 'node:crypto';
import { MysqlPendingInvalidationStore } from '@shardline/records-cache/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { pendingInvalidationsContract } from '@shardline/testing/contracts';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

pendingInvalidationsContract('MySQL (2 shards)', async () => {
  const testDbs = await createTestDatabases(2);
  const databases = new ShardDatabases(testDbs.config);
  return {
    store: new MysqlPendingInvalidationStore(databases),
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});

/**
 * The lock the recordings and the sweeper meet on (`cache_writer_fences`, one row per writer id):
 * recordings share it, a sweep mark needs it alone. bench/reshard saw a fenced writer's recordings
 * queue for seconds on its row when each took it exclusively.
 */
describe('MysqlPendingInvalidationStore: recordings share the writer row lock, the sweeper waits for them', () => {
  let testDbs: TestDatabases;
  let databases: ShardDatabases;
  let store: MysqlPendingInvalidationStore;
  beforeAll(async () => {
    testDbs = await createTestDatabases(2);
    databases = new ShardDatabases(testDbs.config);
    store = new MysqlPendingInvalidationStore(databases);
  });
  afterAll(async () => {
    await databases?.destroy();
    await testDbs?.drop();
  });

  /** A recording of `writer` on shard 0 still in flight (another request of the same writer): its row lock taken, its row not committed. */
  const recordingInFlight = async (writer: string) => {
    const trx = await databases.shard(0).transaction();
    await trx.raw('SELECT swept FROM cache_writer_fences WHERE writer_id = ? LOCK IN SHARE MODE', [writer]);
    await trx.raw('INSERT INTO pending_cache_invalidations (writer_id, business_id, record_id) VALUES (?, ?, ?)', [writer, 'acme', '9001']);
    return trx;
  };
  /** Resolves to 'still waiting' if `work` has not finished after `ms` (a lock wait would last innodb_lock_wait_timeout, 50 s). */
  const within = <T>(work: Promise<T>, ms: number) => Promise.race([work, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

  it('a recording does not wait for another recording of the same writer in flight', async () => {
    const writer = `w-${randomUUID()}`;
    expect(await store.record(0, writer, [], 'acme', '9000')).toBe(true); // its row exists from now on
    const other = await recordingInFlight(writer);
    try {
      expect(await within(store.record(0, writer, [], 'acme', '9002'), 10_000)).toBe(true);
    } finally {
      await other.commit();
    }
    expect((await store.list(0, [writer], 10)).map((r) => r.recordId)).toEqual(['9000', '9001', '9002']);
  });

  it('a sweep mark waits for a recording in flight, so the sweep scan after it sees that row; later recordings are refused', async () => {
    const writer = `w-${randomUUID()}`;
    expect(await store.record(0, writer, [], 'acme', '9000')).toBe(true);
    const inFlight = await recordingInFlight(writer);
    let marked = false;
    const mark = store.markSwept([writer]).then(() => (marked = true));
    try {
      // The mark is blocked on the writer's row (not merely slow): InnoDB shows it waiting for a lock.
      await waitFor('the sweep mark waiting for the row lock', async () => {
        const [rows] = await databases.shard(0).raw("SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE ?", [`%${writer}%`]);
        return Number((rows as Array<{ n: number }>)[0].n) === 1;
      });
      expect(marked).toBe(false);
    } finally {
      await inFlight.commit();
    }
    await mark;
    expect((await store.list(0, [writer], 10)).map((r) => r.recordId)).toEqual(['9000', '9001']);
    expect(await store.record(0, writer, [], 'acme', '9003')).toBe(false);
  });
});
