/**
 * The write-path price of the plain `slot` column (shard migration 0010; docs/adr/0008 4.9): the same
 * append transactions — fence, events, `records` rows, outbox rows of new record streams, one
 * multi-statement packet each, as the event store sends them — into two private shard schemas side by
 * side: one without the column (migrations up to 0009), one with it and its two indexes
 * (events (slot, position), records (slot, id)), the writes naming the slot there. Interleaved rounds
 * on the same number of connections. Shapes: a group commit of 1 and of 6 appends (the single path)
 * and a batch part of 2,500 records. Payloads shaped like the api's (sealed event data ~0.6 KB,
 * data_content ~0.2 KB). Prints records/s and CPU µs per record of MariaDB and of this process, and
 * the ratios with / without.
 * `flock /tmp/bench.lock scripts/with-node tsx bench/ingest/slot-column.ts` (private databases, dropped after).
 */
import { randomBytes } from 'node:crypto';
import { monthKeyOf } from '@shardline/event-store';
import { firstIdAt } from '@shardline/ids';
import { shardingConfigFromEnv, slotOf } from '@shardline/sharding';
import { createServerPool, ShardDatabases, slotFenceStatement } from '@shardline/sharding/mysql';
import { shardMigrations } from '../../migrations/migrate';
import * as slotColumns from '../../migrations/shard/0010_slot_columns';
import { businessesOnOwnedSlots, ownShardZeroSlots } from './shard-zero-slots';
import { CpuMeter, formatCpu, mariadb, thisProcess } from './process-cpu';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_SLOT_ROUNDS', 3);
const CONNECTIONS = env('BENCH_SLOT_CONNECTIONS', 4);
const SECONDS = env('BENCH_SLOT_SECONDS', 5);
const SHAPES = [
  { name: 'group of 1', appends: 1 },
  { name: 'group of 6', appends: 6 },
  { name: 'batch part of 2,500', appends: 2500 },
];
const VARIANTS = ['without', 'with'] as const;
type Variant = (typeof VARIANTS)[number];

async function main(): Promise<void> {
  const base = shardingConfigFromEnv({ ...process.env, SHARDLINE_SHARDS: undefined, SHARDLINE_CONTROL_URL: undefined });
  const tag = randomBytes(4).toString('hex');
  const names: Record<Variant, string> = { without: `bench_slotcol_${tag}_without`, with: `bench_slotcol_${tag}_with` };
  const server = createServerPool(base.control);
  for (const name of Object.values(names)) await server.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const databases = new ShardDatabases({ ...base, shards: VARIANTS.map((v) => ({ ...base.control, database: names[v] })), poolMax: CONNECTIONS, queryTimeoutMs: 0 });
  try {
    for (const [shard, variant] of VARIANTS.entries()) {
      const db = databases.shard(shard);
      await db.migrate.latest({ migrationSource: shardMigrations });
      if (variant === 'without') await slotColumns.down(db);
      await ownShardZeroSlots(db);
    }
    const businesses = businessesOnOwnedSlots();
    console.log(`# slot column A/B: ${ROUNDS} interleaved rounds of ${SECONDS} s per shape and variant, ${CONNECTIONS} connections, databases ${names.without}, ${names.with}`);
    for (const shape of SHAPES) {
      const results: Record<Variant, Round[]> = { without: [], with: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [shard, variant] of (round % 2 === 0 ? [...VARIANTS.entries()] : [...VARIANTS.entries()].reverse())) {
          const r = await runRound(databases, shard, shape.appends, variant, businesses);
          results[variant].push(r);
          console.log(`${shape.name.padEnd(20)} slot ${variant.padEnd(8)} round ${round + 1}: ${r.rate.toFixed(0)} records/s  [CPU ${formatCpu(r.cpu, 'record')}]`);
        }
      }
      const mean = (rounds: Round[], pick: (r: Round) => number) => rounds.reduce((a, r) => a + pick(r), 0) / rounds.length;
      const cpuOf = (rounds: Round[], name: string) => mean(rounds, (r) => r.cpu.find((c) => c.name === name)?.usPerUnit ?? NaN);
      console.log(
        `${shape.name}: with / without — rate ${(mean(results.with, (r) => r.rate) / mean(results.without, (r) => r.rate)).toFixed(3)}, ` +
          `MariaDB CPU per record ${(cpuOf(results.with, 'mariadb') / cpuOf(results.without, 'mariadb')).toFixed(3)} (${cpuOf(results.with, 'mariadb').toFixed(1)} vs ${cpuOf(results.without, 'mariadb').toFixed(1)} µs), ` +
          `client CPU ${(cpuOf(results.with, 'load generator') / cpuOf(results.without, 'load generator')).toFixed(3)}`,
      );
    }
  } finally {
    await databases.destroy();
    for (const name of Object.values(names)) await server.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    await server.destroy();
  }
}

interface Round {
  rate: number;
  cpu: Array<{ name: string; usPerUnit: number }>;
}

/** `CONNECTIONS` loops sending one transaction after another for SECONDS; counts the records. */
async function runRound(databases: ShardDatabases, shard: number, appends: number, variant: Variant, businesses: string[]): Promise<Round> {
  const meter = new CpuMeter([mariadb, thisProcess]);
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  let next = 0;
  meter.begin();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const connection = await databases.writer(shard).getConnection();
      try {
        while (performance.now() < until) {
          const picked = Array.from({ length: appends }, () => businesses[next++ % businesses.length]);
          for (const sql of transaction(picked, variant)) await connection.query(sql);
          done += appends;
        }
      } finally {
        connection.release();
      }
    }),
  );
  const cpu = meter.end(done);
  return { rate: done / SECONDS, cpu };
}

const month = monthKeyOf(new Date());
const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
const firstId = BigInt(firstIdAt(new Date()));
let sequence = 0;
const sealed = () => randomBytes(300).toString('base64');
const PACKET_ROWS = 1000;

/** One append transaction as the event store builds it (packets of at most 1,000 rows per INSERT). */
function transaction(businesses: string[], variant: Variant): string[] {
  const rows = businesses.map((business) => {
    const id = (firstId + BigInt(++sequence) * 4096n + BigInt(process.pid % 4096)).toString();
    return { business, id, stream: `record-${id}`, slot: slotOf(business) };
  });
  const slot = (s: number) => (variant === 'with' ? `, ${s}` : '');
  const column = variant === 'with' ? ', slot' : '';
  const events = rows.map(
    (r) =>
      `(${month}, '${r.stream}', 1, 'RecordCreated', 1, '{"id":"${r.id}","business_id":"${r.business}","user_id":"42","created_time":"${now}","sealed":{"alg":"A256GCM","iv":"x","ct":"${sealed()}","tag":"y"}}', '{"eventId":"e","commandId":"c","correlationId":"c","causationId":null,"actor":null}', '${now}', NULL${slot(r.slot)})`,
  );
  const records = rows.map((r) => `(${r.id}, '${r.business}', 42, '{"order_id":"o-${r.id}","amount":12.5,"status":"open","note":"${randomBytes(60).toString('hex')}"}', 1, '${now}', '${now}', NULL${slot(r.slot)})`);
  const outbox = rows.map((r) => `('${r.stream}', 1, ${month}, '${r.business}', '${now}')`);
  const statements = [slotFenceStatement([...new Set(rows.map((r) => r.slot))].sort((a, b) => a - b))];
  for (let i = 0; i < rows.length; i += PACKET_ROWS) {
    statements.push(`INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time, staged_by${column}) VALUES ${events.slice(i, i + PACKET_ROWS).join(', ')}`);
    statements.push(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time, staged_by${column}) VALUES ${records.slice(i, i + PACKET_ROWS).join(', ')}`);
    statements.push(`INSERT INTO outbox (stream_id, stream_version, month_key, partition_key, created_time) VALUES ${outbox.slice(i, i + PACKET_ROWS).join(', ')}`);
  }
  // One packet for a group commit; the batch part in packets of ~4 MiB, as the event store sends it.
  return appendsPackets(['BEGIN', ...statements, 'COMMIT']);
}

function appendsPackets(statements: string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const s of statements) {
    if (current.length > 0 && bytes + s.length > 4 * 1024 * 1024) {
      out.push(current.join(';\n'));
      current = [];
      bytes = 0;
    }
    current.push(s);
    bytes += s.length;
  }
  if (current.length > 0) out.push(current.join(';\n'));
  return out;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
