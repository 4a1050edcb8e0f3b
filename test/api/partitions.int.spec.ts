import { ensureMonthPartitions, listMonthPartitions } from '@shardline/event-store/mysql';
import { monthKeyOf } from '@shardline/event-store';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { maintainPartitions } from '../../migrations/migrate';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

describe('monthly event partitions', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('migration prepared this month and three ahead on every shard', async () => {
    const now = monthKeyOf(new Date());
    for (const shard of [0, 1]) expect((await listMonthPartitions(databases.shard(shard)))[0]).toBe(now);
    for (const shard of [0, 1]) expect(await listMonthPartitions(databases.shard(shard))).toHaveLength(4);
  });

  it('the maintenance command creates months ahead idempotently, and rows land in their month', async () => {
    const inAYear = new Date();
    inAYear.setUTCMonth(inAYear.getUTCMonth() + 12);
    const first = await maintainPartitions(dbs.config, 14);
    expect(first.map((r) => r.partitionsAdded.length)).toEqual([11, 11]);
    expect(await maintainPartitions(dbs.config, 14)).toEqual(first.map((r) => ({ ...r, partitionsAdded: [] })));
    expect(await ensureMonthPartitions(databases.shard(0), new Date(), 3)).toEqual([]);

    const month = monthKeyOf(inAYear);
    const db = databases.shard(0);
    await db.raw(
      `INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time)
       VALUES (?, 'record-x', 1, 'RecordCreated', 1, '{}', '{}', NOW(3))`,
      [month],
    );
    const [rows] = await db.raw(`SELECT COUNT(*) AS n FROM events PARTITION (p${month})`);
    expect(Number(rows[0].n)).toBe(1);
  });
});
