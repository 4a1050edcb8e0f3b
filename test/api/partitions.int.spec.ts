import { ensureMonthPartitions, listMonthPartitions, pruneProcessedCommands } from '@shardline/event-store/mysql';
import { monthKeyOf } from '@shardline/event-store';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { countRowsPerPartition, ensureRecordPartitions, isPartitioned, listRecordPartitions, monthsBefore, planRecordsPartitioning, splitRecordPartitionsBack } from '@shardline/records-mysql';
import * as recordsPartitioned from '../../migrations/shard/0006_records_partitioned';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { maintainPartitions } from '../../migrations/migrate';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

describe('monthly event and record partitions', () => {
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

  it('migration prepared this month and three ahead on every shard, for events and records', async () => {
    const now = monthKeyOf(new Date());
    for (const shard of [0, 1]) expect((await listMonthPartitions(databases.shard(shard)))[0]).toBe(now);
    for (const shard of [0, 1]) expect(await listMonthPartitions(databases.shard(shard))).toHaveLength(4);
    for (const shard of [0, 1]) expect(await listRecordPartitions(databases.shard(shard))).toEqual(await listMonthPartitions(databases.shard(shard)));
  });

  it('the maintenance command creates months ahead idempotently, and rows land in their month', async () => {
    const inAYear = new Date();
    inAYear.setUTCMonth(inAYear.getUTCMonth() + 12);
    const first = await maintainPartitions(dbs.config, { monthsAhead: 14 });
    expect(first.map((r) => r.partitionsAdded.length)).toEqual([11, 11]);
    expect(first.map((r) => r.recordPartitionsAdded.length)).toEqual([11, 11]);
    expect(await maintainPartitions(dbs.config, { monthsAhead: 14 })).toEqual(first.map((r) => ({ ...r, partitionsAdded: [], recordPartitionsAdded: [] })));
    expect(await ensureMonthPartitions(databases.shard(0), new Date(), 3)).toEqual([]);
    expect(await ensureRecordPartitions(databases.shard(0), new Date(), 3)).toEqual([]);

    const month = monthKeyOf(inAYear);
    const db = databases.shard(0);
    await db.raw(
      `INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time)
       VALUES (?, 'record-x', 1, 'RecordCreated', 1, '{}', '{}', NOW(3))`,
      [month],
    );
    const [rows] = await db.raw(`SELECT COUNT(*) AS n FROM events PARTITION (p${month})`);
    expect(Number(rows[0].n)).toBe(1);
    // A record minted that month lands in the records partition of the same month key.
    const id = new SnowflakeIdGenerator(3, () => inAYear.getTime()).next();
    await db.raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time) VALUES (?, 'b', 1, '{}', 1, NOW(3), NOW(3))`, [id]);
    const [recordRows] = await db.raw(`SELECT CAST(id AS CHAR) AS id FROM records PARTITION (p${month})`);
    expect(recordRows).toEqual([{ id }]);
  });

  it('the maintenance command forgets processed commands older than the retention, and only those', async () => {
    const now = new Date();
    const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000);
    const db = databases.shard(1);
    const rows = [
      ['old-1', daysAgo(9)],
      ['old-2', daysAgo(7.01)],
      ['kept-1', daysAgo(6.99)],
      ['kept-2', daysAgo(0)],
    ] as const;
    for (const [id, at] of rows) {
      await db.raw(`INSERT INTO processed_commands (command_id, request_hash, response, created_time) VALUES (?, REPEAT('0', 64), '{}', ?)`, [id, at]);
    }
    const report = await maintainPartitions(dbs.config, { monthsAhead: 3, idempotencyRetentionDays: 7 }, now);
    expect(report.map((r) => r.commandsForgotten)).toEqual([0, 2]);
    const [left] = await db.raw('SELECT command_id FROM processed_commands ORDER BY command_id');
    expect(left.map((r: { command_id: string }) => r.command_id)).toEqual(['kept-1', 'kept-2']);
  });

  it('forgets in bounded batches until nothing older is left', async () => {
    const db = databases.shard(0);
    const old = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);
    for (let i = 0; i < 7; i++) {
      await db.raw(`INSERT INTO processed_commands (command_id, request_hash, response, created_time) VALUES (?, REPEAT('0', 64), '{}', ?)`, [`batch-${i}`, old]);
    }
    expect(await pruneProcessedCommands(db, new Date(), 3)).toBe(7);
    const [[count]] = await db.raw('SELECT COUNT(*) AS n FROM processed_commands');
    expect(Number(count.n)).toBe(0);
  });

  it('splits p_before into the months back to a date, moving a back-dated record into its month', async () => {
    const db = databases.shard(0);
    const now = new Date();
    const current = monthKeyOf(now);
    const twoMonthsAgo = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 15));
    const id = new SnowflakeIdGenerator(4, () => twoMonthsAgo.getTime()).next();
    await db.raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time) VALUES (?, 'b-back', 1, '{}', 1, ?, ?)`, [id, twoMonthsAgo, twoMonthsAgo]);
    const before = await countRowsPerPartition(db);
    expect(before[0]).toEqual({ partition: 'p_before', rows: 1 });

    const threeMonthsAgo = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 1));
    expect(await splitRecordPartitionsBack(db, threeMonthsAgo)).toEqual([3, 2, 1].map((n) => monthsBefore(current, n)));
    const after = await countRowsPerPartition(db);
    expect(after.slice(0, 5)).toEqual([
      { partition: 'p_before', rows: 0 },
      { partition: `p${monthsBefore(current, 3)}`, rows: 0 },
      { partition: `p${monthsBefore(current, 2)}`, rows: 1 },
      { partition: `p${monthsBefore(current, 1)}`, rows: 0 },
      { partition: `p${current}`, rows: 0 },
    ]);
    expect(after.reduce((n, p) => n + p.rows, 0)).toBe(before.reduce((n, p) => n + p.rows, 0));
    // Already split back that far: nothing to do.
    expect(await splitRecordPartitionsBack(db, threeMonthsAgo)).toEqual([]);
    await db.raw('DELETE FROM records WHERE id = ?', [id]);
  });

  it('above the copy limit leaves the table unpartitioned (deferred, no copy); once converted out of band it does nothing', async () => {
    // Last in this file: shard 1's records are re-partitioned from scratch here.
    const db = databases.shard(1);
    await db.raw('ALTER TABLE records REMOVE PARTITIONING');
    await db.raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time) VALUES (?, 'b', 1, '{}', 1, NOW(3), NOW(3))`, [new SnowflakeIdGenerator(1).next()]);
    await db.raw('ANALYZE TABLE records');
    process.env.SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS = '0';
    try {
      await recordsPartitioned.up(db);
    } finally {
      delete process.env.SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS;
    }
    expect(await isPartitioned(db)).toBe(false);

    // What an online tool does: the same alteration, applied outside the migration.
    const plan = await planRecordsPartitioning(db, new Date());
    await db.raw(`ALTER TABLE records ${plan!.alteration}`);
    await recordsPartitioned.up(db);
    expect(await listRecordPartitions(db)).toEqual([monthKeyOf(new Date())]);
  });
});
