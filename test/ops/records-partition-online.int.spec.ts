import { firstIdAt } from '@shardline/ids';
import { ensureRecordPartitions, isPartitioned, listRecordPartitions } from '@shardline/records-mysql';
import { createServerPool, ShardDatabases } from '@shardline/sharding/mysql';
import { businessOnShard } from '@shardline/testing';
import { partitionRecordsCommand } from '../../apps/ops-cli/src/shards/partition-records.command';
import { recordsUnpartitionedNotice } from '../../apps/ops-cli/src/shards/records-unpartitioned-notice';
import { migrateAll, shardMigrations } from '../../migrations/migrate';
import { RecordWriter } from '../slot-moves/support/slot-move-fixture';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const OLD_ROWS = 20_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Upgrading a deployment whose shard holds more `records` than the migration copies in place
 * (shard/0006, README "Upgrading"): the conversion is deferred instead of stopping every later
 * migration — which left the shard without `owned_slots`, so every append there failed — and is
 * then done online by `ops-cli shards partition-records` while the shard takes writes.
 */
describe('a shard over the records copy limit: partitioning deferred, then done online', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let writer: RecordWriter;
  const lines: string[] = [];
  const print = (line: string) => lines.push(line);

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    // Shard 1 as a deployment from before shard/0006: migrations 0001–0005, records unpartitioned and full.
    const server = createServerPool(dbs.config.control);
    const name = dbs.config.shards[1].database;
    await server.raw(`DROP DATABASE \`${name}\``);
    await server.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await server.destroy();
    const old = new ShardDatabases({ ...dbs.config, shards: [dbs.config.shards[1]] });
    try {
      for (let i = 0; i < 5; i++) await old.shard(0).migrate.up({ migrationSource: shardMigrations });
      // Ids minted over the last ~60 days (one every ~260 s), so the conversion makes several months.
      const base = BigInt(firstIdAt(new Date(Date.now() - 60 * DAY_MS)));
      await old.shard(0).raw(
        `INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time)
         SELECT ${base} + seq * ${(260_000n << 22n).toString()}, CONCAT('old-', seq % 97), seq % 13, '{"old":true}', 1, NOW(3), NOW(3) FROM seq_1_to_${OLD_ROWS}`,
      );
      await old.shard(0).raw('ANALYZE TABLE records');
    } finally {
      await old.destroy();
    }
    // The fleet's control database seeds owned_slots once per shard: this one never had them.
    databases = new ShardDatabases(dbs.config);
    await databases.control.raw('UPDATE shards SET slots_seeded_time = NULL WHERE shard = 1');
  });
  afterAll(async () => {
    await writer?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('migrate leaves the table unpartitioned, says so, and applies every later migration: the shard takes writes', async () => {
    process.env.SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS = '1000';
    let reports: Awaited<ReturnType<typeof migrateAll>>;
    try {
      reports = await migrateAll(dbs.config);
    } finally {
      delete process.env.SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS;
    }
    const report = reports.find((r) => r.database === dbs.config.shards[1].database)!;
    expect(report.applied).toEqual(expect.arrayContaining(['0006_records_partitioned', '0007_owned_slots', '0008_processed_commands_slot', '0009_owned_slots_publish_hold']));
    expect(report.recordsUnpartitioned).toEqual({ shard: 1, estimatedRows: expect.any(Number) });
    expect(report.recordsUnpartitioned!.estimatedRows).toBeGreaterThan(1000);
    expect(recordsUnpartitionedNotice(report.database, report.recordsUnpartitioned!)).toMatch(/npm run shards -- partition-records 1 --execute/);
    expect(reports.find((r) => r.database === dbs.config.shards[0].database)!.recordsUnpartitioned).toBeUndefined();
    const shard1 = databases.shard(1);
    expect(await isPartitioned(shard1)).toBe(false);
    // Maintenance leaves the unpartitioned table alone instead of failing on it.
    expect(await ensureRecordPartitions(shard1, new Date(), 3)).toEqual([]);
    const [owned] = await shard1.raw('SELECT COUNT(*) AS n FROM owned_slots');
    expect(Number(owned[0].n)).toBe(2048);

    writer = new RecordWriter(databases);
    const created = await writer.create(businessOnShard(1, 'upgrade', 2), '1');
    const [rows] = await shard1.raw('SELECT version FROM records WHERE id = ?', [created.id]);
    expect(rows).toEqual([{ version: 1 }]);
  });

  it('the dry run prints the pt-online-schema-change command and changes nothing', async () => {
    lines.length = 0;
    expect(await partitionRecordsCommand(['1'], dbs.config, print)).toBe(0);
    expect(lines.join('\n')).toMatch(/records unpartitioned, ~\d+ rows/);
    expect(lines.join('\n')).toMatch(/pt-online-schema-change --alter '[^']*PARTITION BY RANGE \(id\)[^']*' /);
    expect(lines.join('\n')).toMatch(new RegExp(`D=${dbs.config.shards[1].database},t=records`));
    expect(lines.join('\n')).toMatch(/--dry-run/);
    expect(await isPartitioned(databases.shard(1))).toBe(false);
    expect(await partitionRecordsCommand(['x'], dbs.config, print)).toBe(2);
    expect(await partitionRecordsCommand(['1', '--execute', '--copy'], dbs.config, print)).toBe(2);
  });

  // Needs Percona Toolkit (.ci/run installs it: scripts/stack/percona-toolkit.sh).
  it('converts online while records are created, updated and deleted on the shard: every write is there after the swap', async () => {
    const shard1 = databases.shard(1);
    const expected = new Map<string, number | null>(); // id → version, null when deleted
    let stop = false;
    let writes = 0;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const record = await writer.create(businessOnShard(1, `live-${i}`, 2), String(1 + (i % 5)));
        expected.set(record.id, 1);
        await writer.update(record, { step: i });
        expected.set(record.id, 2);
        if (i % 3 === 0) {
          await writer.remove(record);
          expected.set(record.id, null);
        }
        writes++;
      }
    })();
    lines.length = 0;
    // Small chunks so the copy takes many steps and the writes land while it runs.
    const code = await partitionRecordsCommand(['1', '--execute', '--', '--recursion-method=none', '--chunk-time=0', '--chunk-size=500'], dbs.config, print);
    stop = true;
    await load;
    expect({ code, output: lines.slice(-8) }).toEqual({ code: 0, output: expect.arrayContaining([expect.stringMatching(/records partitioned online, months \[/)]) });
    expect(writes).toBeGreaterThan(0);
    expect(await isPartitioned(shard1)).toBe(true);
    expect((await listRecordPartitions(shard1)).length).toBeGreaterThanOrEqual(3);

    const [old] = await shard1.raw(`SELECT COUNT(*) AS n FROM records WHERE business_id LIKE 'old-%'`);
    expect(Number(old[0].n)).toBe(OLD_ROWS);
    const ids = [...expected.keys()];
    const [live] = await shard1.raw(`SELECT CAST(id AS CHAR) AS id, version FROM records WHERE id IN (${ids.map(() => '?').join(',')})`, ids);
    const found = new Map((live as Array<{ id: string; version: number }>).map((r) => [r.id, r.version]));
    const missing = ids.filter((id) => expected.get(id) !== null && found.get(id) !== expected.get(id));
    const resurrected = ids.filter((id) => expected.get(id) === null && found.has(id));
    expect({ missing, resurrected }).toEqual({ missing: [], resurrected: [] });
    // The triggers and the tool's tables are gone; maintenance works on the partitioned table.
    const [triggers] = await shard1.raw('SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()');
    expect(Number(triggers[0].n)).toBe(0);
    expect((await ensureRecordPartitions(shard1, new Date(), 3)).length).toBeGreaterThan(0);
    lines.length = 0;
    expect(await partitionRecordsCommand(['1'], dbs.config, print)).toBe(0);
    expect(lines.join('\n')).toMatch(/partitioned already/);
  });
});
