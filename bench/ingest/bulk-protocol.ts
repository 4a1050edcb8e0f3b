/**
 * Would MariaDB's binary bulk protocol make the batch path's writes cheaper than SQL text? (issue 12
 * §4: "a different write-path shape".) The same batch part — fence, events, `records` and outbox rows
 * of new record streams, shaped like the api's (sealed event data ~0.6 KB, data_content ~0.2 KB) — into
 * one private shard schema two ways, interleaved rounds on the same number of connections:
 * - text: the event store's own row SQL (`insertStatements`, `packetsOf`) over mysql2, as the api sends it;
 * - bulk: the `mariadb` connector's `batch()` (COM_STMT_BULK_EXECUTE: one prepared INSERT per table,
 *   the rows as binary parameters; a devDependency used only here).
 * Prints records/s and CPU µs per record of MariaDB and of this process (building the rows included).
 * `flock /tmp/bench.lock scripts/with-node tsx bench/ingest/bulk-protocol.ts`
 * Knobs: BENCH_BULK_ROUNDS (3), BENCH_BULK_SECONDS (6), BENCH_BULK_CONNECTIONS (2), BENCH_BULK_PART (2500).
 */
import { randomBytes } from 'node:crypto';
import * as mariadbConnector from 'mariadb';
import { monthKeyOf } from '@shardline/event-store';
import { APPEND_EVENT_COLUMNS, insertStatements, OUTBOX_COLUMNS, packetsOf, packetText } from '@shardline/event-store/mysql';
import { firstIdAt } from '@shardline/ids';
import { shardingConfigFromEnv, slotOf } from '@shardline/sharding';
import { createServerPool, ShardDatabases, slotFenceStatement } from '@shardline/sharding/mysql';
import { shardMigrations } from '../../migrations/migrate';
import { businessesOnOwnedSlots, ownShardZeroSlots } from './shard-zero-slots';
import { CpuMeter, formatCpu, mariadb, thisProcess } from './process-cpu';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_BULK_ROUNDS', 3);
const SECONDS = env('BENCH_BULK_SECONDS', 6);
const CONNECTIONS = env('BENCH_BULK_CONNECTIONS', 2);
const PART = env('BENCH_BULK_PART', 2500);
const VARIANTS = ['text', 'bulk'] as const;

const RECORD_COLUMNS = ['id', 'business_id', 'user_id', 'data_content', 'version', 'created_time', 'updated_time', 'staged_by', 'slot'];
const month = monthKeyOf(new Date());
const firstId = BigInt(firstIdAt(new Date()));
let sequence = 0;

/** The rows of one batch part, as value arrays (both variants start from these). */
function rowsOf(businesses: string[]) {
  const now = new Date();
  const events: unknown[][] = [];
  const records: unknown[][] = [];
  const outbox: unknown[][] = [];
  const slots = new Set<number>();
  for (const business of businesses) {
    const id = (firstId + BigInt(++sequence) * 4096n + BigInt(process.pid % 4096)).toString();
    const stream = `record-${id}`;
    const slot = slotOf(business);
    slots.add(slot);
    events.push([month, stream, 1, 'RecordCreated', 1, `{"id":"${id}","business_id":"${business}","user_id":"42","created_time":"${now.toISOString()}","sealed":{"alg":"A256GCM","iv":"x","ct":"${randomBytes(300).toString('base64')}","tag":"y"}}`, '{"eventId":"e","commandId":"c","correlationId":"c","causationId":null,"actor":null}', now, null, slot]);
    records.push([id, business, '42', `{"order_id":"o-${id}","amount":12.5,"status":"open","note":"${randomBytes(60).toString('hex')}"}`, 1, now, now, null, slot]);
    outbox.push([stream, 1, month, business, now]);
  }
  return { events, records, outbox, fence: slotFenceStatement([...slots].sort((a, b) => a - b)) };
}

async function main(): Promise<void> {
  const base = shardingConfigFromEnv({ ...process.env, SHARDLINE_SHARDS: undefined, SHARDLINE_CONTROL_URL: undefined });
  const name = `bench_bulk_${randomBytes(3).toString('hex')}`;
  const server = createServerPool(base.control);
  await server.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const databases = new ShardDatabases({ ...base, shards: [{ ...base.control, database: name }], poolMax: CONNECTIONS, queryTimeoutMs: 0 });
  const c = base.control;
  const bulkPool = mariadbConnector.createPool({ host: c.host, port: c.port, user: c.user, password: c.password, database: name, connectionLimit: CONNECTIONS, timezone: 'Z', bulk: true });
  try {
    const db = databases.shard(0);
    await db.migrate.latest({ migrationSource: shardMigrations });
    await ownShardZeroSlots(db);
    const businesses = businessesOnOwnedSlots();
    let next = 0;
    const pick = () => Array.from({ length: PART }, () => businesses[next++ % businesses.length]);
    const results: Record<string, Array<{ rate: number; cpu: Array<{ name: string; usPerUnit: number }> }>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        const meter = new CpuMeter([mariadb, thisProcess]);
        const until = performance.now() + SECONDS * 1000;
        let done = 0;
        meter.begin();
        await Promise.all(
          Array.from({ length: CONNECTIONS }, async () => {
            if (variant === 'text') {
              const connection = await databases.writer(0).getConnection();
              try {
                while (performance.now() < until) {
                  const rows = rowsOf(pick());
                  const statements = [{ sql: 'BEGIN' }, { sql: rows.fence }, ...insertStatements('events', APPEND_EVENT_COLUMNS, rows.events), ...insertStatements('records', RECORD_COLUMNS, rows.records), ...insertStatements('outbox', OUTBOX_COLUMNS, rows.outbox), { sql: 'COMMIT' }];
                  for (const packet of packetsOf(statements)) await connection.query(packetText(packet));
                  done += PART;
                }
              } finally {
                connection.release();
              }
            } else {
              const connection = await bulkPool.getConnection();
              try {
                while (performance.now() < until) {
                  const rows = rowsOf(pick());
                  await connection.beginTransaction();
                  await connection.query(rows.fence);
                  const ph = (n: number) => `(${Array(n).fill('?').join(', ')})`;
                  await connection.batch(`INSERT INTO events (${APPEND_EVENT_COLUMNS.join(', ')}) VALUES ${ph(APPEND_EVENT_COLUMNS.length)}`, rows.events);
                  await connection.batch(`INSERT INTO records (${RECORD_COLUMNS.join(', ')}) VALUES ${ph(RECORD_COLUMNS.length)}`, rows.records);
                  await connection.batch(`INSERT INTO outbox (${OUTBOX_COLUMNS.join(', ')}) VALUES ${ph(OUTBOX_COLUMNS.length)}`, rows.outbox);
                  await connection.commit();
                  done += PART;
                }
              } finally {
                await connection.release();
              }
            }
          }),
        );
        const cpu = meter.end(done);
        (results[variant] ??= []).push({ rate: done / SECONDS, cpu });
        console.log(`${variant.padEnd(5)} round ${round + 1}: ${(done / SECONDS).toFixed(0)} records/s  [CPU ${formatCpu(cpu, 'record')}]`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [variant, rs] of Object.entries(results)) {
      console.log(`${variant}: ${mean(rs.map((r) => r.rate)).toFixed(0)} records/s, MariaDB ${mean(rs.map((r) => r.cpu[0].usPerUnit)).toFixed(1)} µs, client ${mean(rs.map((r) => r.cpu[1].usPerUnit)).toFixed(1)} µs per record`);
    }
    const [[written]] = await db.raw('SELECT COUNT(*) AS n FROM events');
    console.log(`events rows written: ${written.n}`);
  } finally {
    await bulkPool.end();
    await databases.destroy();
    await server.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    await server.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
