/**
 * How fast `verify` compares the event store with the inline `records` table, against the cheapest
 * full pass MariaDB can make over the same events in the same run:
 *   baseline  SELECT COUNT(*), BIT_XOR(CRC32(CONCAT(stream_id, ':', stream_version))) per month partition
 *   verify    the Verifier's month digests (events: two MD5s per event, 64 slices; records: one per row),
 *             the same code as `npm run verify -- --models records`
 *   drill     verify again after 10 rows of `records` were damaged: the drill-down's extra cost
 * Loads BENCH_EVENTS (default 1,000,000) events of records with 1-3 events each (every 10th deleted)
 * by bulk INSERTs into BENCH_SHARDS (default 2) private shard databases, dropped at the end.
 * Prints events/s, the ratio to the baseline, and CPU per event of this process and of MariaDB
 * (from /proc, the server whose pid file MariaDB names). See README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { monthKeyOf } from '@shardline/event-store';
import { firstIdAt } from '@shardline/ids';
import { Verifier, type VerifyReport } from '@shardline/reconciliation';
import { MysqlEventStoreSide, MysqlRecordsTableSide } from '@shardline/records-mysql/verification';
import { shardingConfigFromEnv, slotOf, type ShardingConfig } from '@shardline/sharding';
import { createServerPool, ShardDatabases } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SHARDS = Number(process.env.BENCH_SHARDS ?? 2);
const PAYLOAD = 'x'.repeat(Number(process.env.BENCH_PAYLOAD_BYTES ?? 100));

async function main(): Promise<void> {
  const prefix = `bv${randomBytes(3).toString('hex')}_`;
  const base = shardingConfigFromEnv({ ...process.env, SHARDLINE_SHARDS: undefined, SHARDLINE_CONTROL_URL: undefined });
  const config: ShardingConfig = {
    ...base,
    queryTimeoutMs: 0,
    shards: Array.from({ length: SHARDS }, (_, i) => ({ ...base.control, database: `${prefix}data_db_${i}` })),
    control: { ...base.control, database: `${prefix}control` },
  };
  await migrateAll(config);
  const databases = new ShardDatabases(config);
  try {
    const month = monthKeyOf(new Date());
    const loaded = await load(databases, month);
    console.log(`# verify benchmark: ${loaded.events} events of ${loaded.records} records (${loaded.live} live) on ${SHARDS} shards, month ${month}, node ${process.version}, ${PAYLOAD.length}-byte payloads`);
    const mariadb = mariadbPid();
    await baseline(databases, month); // warm the page cache for both
    const base = await measure(mariadb, () => baseline(databases, month));
    const verifier = new Verifier(new MysqlEventStoreSide(databases), [new MysqlRecordsTableSide(databases)], { fanout: 64, leafMax: 2000, settleMs: 0, recheckEveryMs: 0 });
    const clean = await measure(mariadb, () => verifier.verify());
    if (clean.result.differences.length > 0) throw new Error(`verify found ${clean.result.differences.length} differences on a clean load`);
    const damaged = await damage(databases, 10);
    const drill = await measure(mariadb, () => verifier.verify());
    if (drill.result.differences.length !== damaged) throw new Error(`verify found ${drill.result.differences.length} of ${damaged} damaged rows`);

    const rows = [
      ['baseline COUNT + CRC32', base],
      ['verify (clean)', clean],
      [`verify (${damaged} rows damaged)`, drill],
    ] as const;
    for (const [name, m] of rows) {
      const eventsPerS = loaded.events / (m.ms / 1000);
      console.log(
        `${name.padEnd(28)} ${(m.ms / 1000).toFixed(2).padStart(6)} s  ${Math.round(eventsPerS).toLocaleString('en').padStart(10)} events/s  ` +
          `${(m.ms / base.ms).toFixed(2)}x baseline  CPU/event: process ${((m.processUs / loaded.events) * 1000).toFixed(0)} ns, mariadb ${m.mariadbUs === null ? 'n/a' : `${((m.mariadbUs / loaded.events) * 1000).toFixed(0)} ns`}`,
      );
    }
    const report = drill.result as VerifyReport;
    console.log(`drill-down: ${report.slicesDrilled} slices compared below the month level to find ${report.differences.length} streams`);
    const rate = loaded.events / (clean.ms / 1000);
    console.log(`extrapolation: 1e9 events at ${Math.round(rate).toLocaleString('en')} events/s = ${(1e9 / rate / 3600).toFixed(1)} h on one MariaDB server's core budget as measured here; shards on separate servers verify in parallel`);
  } finally {
    await databases.destroy();
    const server = createServerPool(config.control);
    try {
      for (const { database } of [config.control, ...config.shards]) await server.raw(`DROP DATABASE IF EXISTS \`${database}\``);
    } finally {
      await server.destroy();
    }
  }
}

/** Records with 1-3 events each (RecordCreated, RecordUpdated…, every 10th ends RecordDeleted), spread over this month so far. */
async function load(databases: ShardDatabases, month: number): Promise<{ events: number; records: number; live: number }> {
  const now = Date.now();
  const monthStart = Date.UTC(Math.floor(month / 100), (month % 100) - 1, 1);
  let events = 0;
  let records = 0;
  let live = 0;
  const perShard = databases.shardIndexes().map(() => ({ events: [] as string[], records: [] as string[] }));
  const flush = async (force: boolean) => {
    await Promise.all(
      perShard.map(async (rows, shard) => {
        const db = databases.shard(shard);
        if (rows.events.length >= 2000 || (force && rows.events.length > 0)) {
          const batch = rows.events.splice(0);
          await db.raw(`INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time, slot) VALUES ${batch.join(',')}`);
        }
        if (rows.records.length >= 2000 || (force && rows.records.length > 0)) {
          const batch = rows.records.splice(0);
          await db.raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time, slot) VALUES ${batch.join(',')}`);
        }
      }),
    );
  };
  const meta = `'${JSON.stringify({ eventId: randomUUID(), commandId: 'bench', correlationId: 'bench', causationId: null, actor: null })}'`;
  for (let i = 0; events < EVENTS; i++) {
    const at = monthStart + Math.floor(((now - monthStart) * i) / (EVENTS / 2));
    const id = (BigInt(firstIdAt(new Date(Math.min(at, now)))) + BigInt(i % 4096)).toString();
    const shard = i % perShard.length;
    const count = 1 + (i % 3);
    const deleted = i % 10 === 0;
    const time = `'${new Date(Math.min(at, now)).toISOString().slice(0, 23).replace('T', ' ')}'`;
    for (let v = 1; v <= count && events < EVENTS; v++) {
      const type = v === 1 ? 'RecordCreated' : deleted && v === count ? 'RecordDeleted' : 'RecordUpdated';
      const data = `'{"id":"${id}","business_id":"b${i % 97}","user_id":"${1 + (i % 1000)}","data_content":{"p":"${PAYLOAD}"}}'`;
      perShard[shard].events.push(`(${month}, 'record-${id}', ${v}, '${type}', 1, ${data}, ${meta}, ${time}, ${slotOf(`b${i % 97}`)})`);
      events++;
      if (v === count || events === EVENTS) {
        records++;
        if (!(deleted && v === count && v > 1)) {
          live++;
          perShard[shard].records.push(`(${id}, 'b${i % 97}', ${1 + (i % 1000)}, '{"p":"${PAYLOAD}"}', ${v}, ${time}, ${time}, ${slotOf(`b${i % 97}`)})`);
        }
      }
    }
    if (perShard.some((r) => r.events.length >= 2000)) await flush(false);
  }
  await flush(true);
  return { events, records, live };
}

function baseline(databases: ShardDatabases, month: number) {
  return Promise.all(databases.shardIndexes().map((shard) => databases.shard(shard).raw(`SELECT COUNT(*) AS n, BIT_XOR(CRC32(CONCAT(stream_id, ':', stream_version))) AS x FROM events WHERE month_key = ${month}`)));
}

/** Deletes `n` rows of shard 0's records table: the drill-down has to find exactly them. */
async function damage(databases: ShardDatabases, n: number): Promise<number> {
  const [rows] = await databases.shard(0).raw(`SELECT id FROM records ORDER BY id LIMIT ${n * 1000}`);
  const ids = (rows as Array<{ id: string }>).filter((_, i) => i % 1000 === 0).map((r) => r.id);
  await databases.shard(0).raw(`DELETE FROM records WHERE id IN (${ids.join(',')})`);
  return ids.length;
}

async function measure<T>(mariadb: number | null, work: () => Promise<T>): Promise<{ ms: number; processUs: number; mariadbUs: number | null; result: T }> {
  const cpu = process.cpuUsage();
  const ticks = mariadb === null ? null : ticksOf(mariadb);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const after = mariadb === null ? null : ticksOf(mariadb);
  // USER_HZ is 100 on every Linux ABI Node runs on: a tick is 10 ms.
  return { ms, processUs: used.user + used.system, mariadbUs: ticks === null || after === null ? null : (after - ticks) * 10_000, result };
}

function mariadbPid(): number | null {
  try {
    return Number(readFileSync(process.env.BENCH_MARIADB_PID_FILE ?? '/run/mysqld/mysqld.pid', 'utf8').trim());
  } catch {
    return null;
  }
}

function ticksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return null;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
