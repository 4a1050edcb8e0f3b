/**
 * The slot fence's cost on the write path, isolated (docs/adr/0008): the same append transactions —
 * events + outbox rows of new streams on a real shard schema, one multi-statement packet each, as the
 * event store sends them — without the fence, with the fence the event store sends
 * (slotFenceStatement: one plain SET with a locking subquery), and with the compound IF/SIGNAL form
 * it replaced, in interleaved rounds on the same connections. Shapes: a group commit of 1 and of 6 appends (the single path's measured
 * mean), and a batch part of 2,500 records over ~1,000 slots. Prints transactions/s and CPU µs per
 * transaction of MariaDB and of this process, and the ratios with / without.
 * `flock /tmp/bench.lock scripts/with-node tsx bench/ingest/slot-fence.ts` (private database, dropped after).
 */
import { randomBytes } from 'node:crypto';
import { monthKeyOf } from '@shardline/event-store';
import { shardingConfigFromEnv, slotOf } from '@shardline/sharding';
import { createServerPool, ShardDatabases, slotFenceStatement } from '@shardline/sharding/mysql';
import { shardMigrations } from '../../migrations/migrate';
import { businessesOnOwnedSlots, ownShardZeroSlots } from './shard-zero-slots';
import { CpuMeter, formatCpu, mariadb, thisProcess } from './process-cpu';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_FENCE_ROUNDS', 3);
const CONNECTIONS = env('BENCH_FENCE_CONNECTIONS', 4);
const SECONDS = env('BENCH_FENCE_SECONDS', 5);
const SHAPES = [
  { name: 'group of 1', appends: 1 },
  { name: 'group of 6', appends: 6 },
  { name: 'batch part of 2,500', appends: 2500 },
];

async function main(): Promise<void> {
  const base = shardingConfigFromEnv({ ...process.env, SHARDLINE_SHARDS: undefined, SHARDLINE_CONTROL_URL: undefined });
  const database = `bench_fence_${randomBytes(4).toString('hex')}`;
  const server = createServerPool(base.control);
  await server.raw(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const databases = new ShardDatabases({ ...base, shards: [{ ...base.control, database }], poolMax: CONNECTIONS, queryTimeoutMs: 0 });
  try {
    const db = databases.shard(0);
    await db.migrate.latest({ migrationSource: shardMigrations });
    await ownShardZeroSlots(db);
    const businesses = businessesOnOwnedSlots();
    console.log(`# slot fence A/B: ${ROUNDS} interleaved rounds of ${SECONDS} s per shape and variant, ${CONNECTIONS} connections, database ${database}`);
    for (const shape of SHAPES) {
      const results: Record<Variant, Round[]> = { none: [], set: [], compound: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const variant of VARIANTS) {
          const r = await runRound(databases, shape.appends, variant, businesses);
          results[variant].push(r);
          console.log(`${shape.name.padEnd(20)} fence ${variant.padEnd(8)} round ${round + 1}: ${r.rate.toFixed(0)} transactions/s  [CPU ${formatCpu(r.cpu, 'transaction')}]`);
        }
      }
      const mean = (rounds: Round[], pick: (r: Round) => number) => rounds.reduce((a, r) => a + pick(r), 0) / rounds.length;
      const cpuOf = (rounds: Round[], name: string) => mean(rounds, (r) => r.cpu.find((c) => c.name === name)?.usPerUnit ?? NaN);
      for (const variant of ['set', 'compound'] as const) {
        console.log(
          `${shape.name}: fence ${variant} / none — rate ${(mean(results[variant], (r) => r.rate) / mean(results.none, (r) => r.rate)).toFixed(3)}, ` +
            `MariaDB CPU per transaction ${(cpuOf(results[variant], 'mariadb') / cpuOf(results.none, 'mariadb')).toFixed(3)} (${cpuOf(results[variant], 'mariadb').toFixed(0)} vs ${cpuOf(results.none, 'mariadb').toFixed(0)} µs), ` +
            `client CPU ${(cpuOf(results[variant], 'load generator') / cpuOf(results.none, 'load generator')).toFixed(3)}`,
        );
      }
    }
  } finally {
    await databases.destroy();
    await server.raw(`DROP DATABASE IF EXISTS \`${database}\``);
    await server.destroy();
  }
}

/** none: no fence; set: slotFenceStatement (what the event store sends); compound: the IF/SIGNAL form it replaced. */
const VARIANTS = ['none', 'set', 'compound'] as const;
type Variant = (typeof VARIANTS)[number];

function compoundFence(slots: number[]): string {
  return `IF (SELECT COUNT(*) FROM owned_slots WHERE slot IN (${slots.join(',')}) LOCK IN SHARE MODE) <> ${slots.length} THEN SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 1644, MESSAGE_TEXT = 'SHARD.SLOT_NOT_OWNED'; END IF`;
}

interface Round {
  rate: number;
  cpu: Array<{ name: string; usPerUnit: number }>;
}

/** `CONNECTIONS` loops sending one transaction after another for SECONDS; counts the transactions. */
async function runRound(databases: ShardDatabases, appends: number, variant: Variant, businesses: string[]): Promise<Round> {
  const meter = new CpuMeter([mariadb, thisProcess]);
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  let next = 0;
  meter.begin();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const connection = await databases.writer(0).getConnection();
      try {
        while (performance.now() < until) {
          const picked = Array.from({ length: appends }, () => businesses[next++ % businesses.length]);
          await connection.query(transaction(picked, variant));
          done++;
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
let sequence = 0;

/** One append transaction as the event store builds it: BEGIN, [fence], events, outbox, COMMIT. */
function transaction(businesses: string[], variant: Variant): string {
  const streams = businesses.map((b) => ({ business: b, stream: `record-${process.pid}-${++sequence}` }));
  const events = streams.map(({ business, stream }) => `(${month}, '${stream}', 1, 'RecordCreated', 1, '{"business_id":"${business}","n":1}', '{"eventId":"e"}', '${now}')`);
  const outbox = streams.map(({ business, stream }) => `('${stream}', 1, ${month}, '${business}', '${now}')`);
  // The event store's own work for the fence: the slot of every write, distinct and sorted.
  const slots = () => [...new Set(businesses.map(slotOf))].sort((a, b) => a - b);
  const fence = variant === 'none' ? [] : [variant === 'set' ? slotFenceStatement(slots()) : compoundFence(slots())];
  return [
    'BEGIN',
    ...fence,
    `INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time) VALUES ${events.join(', ')}`,
    `INSERT INTO outbox (stream_id, stream_version, month_key, partition_key, created_time) VALUES ${outbox.join(', ')}`,
    'COMMIT',
  ].join(';\n');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
