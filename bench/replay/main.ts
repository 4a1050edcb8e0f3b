/**
 * `npm run bench:replay`: the developer kit's export and replay paths against raw baselines, same run.
 *
 *   load     BENCH_REPLAY_RECORDS (default 200,000) created records, BENCH_PAYLOAD_BYTES (256) of
 *            data_content each, into 4 private shard databases (the raw insert of bench/ingest)
 *   export   exportEvents → a JSONL file        vs  a raw keyset SELECT of the same rows (mysql2);
 *            then `cli export --workers BENCH_REPLAY_WORKERS` (2): the shards in worker threads
 *   CH       replayEventStore → ClickHouse sink vs  the same rows (mapBatch) inserted raw;
 *            then `cli replay --to clickhouse --workers BENCH_REPLAY_WORKERS` into a second database
 *   ES       replayEventStore → Elasticsearch   vs  a raw _bulk of the same documents (documentOf)
 * Each line: events/s, ratio to its baseline, CPU µs per event of this process and of the engine.
 * Everything private is dropped at the end. Run under `flock /tmp/bench.lock` beside others.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statSync, rmSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { exportEvents } from '@shardline/event-export';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { envelopeOf, type RecordEventEnvelope } from '@shardline/integration-events';
import { type DeadLetter, type DeadLetterPublisher, replayEventStore, type ProjectionSink } from '@shardline/projections';
import { ClickHouseProjectionSink, clickHouseConfigFromEnv, createClickHouseGateway } from '@shardline/projection-clickhouse';
import { createElasticsearchClient, ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { type ShardingConfig, shardingConfigFromEnv } from '@shardline/sharding';
import { createServerPool, ShardDatabases } from '@shardline/sharding/mysql';
import { mapBatch } from '../../libs/projection-clickhouse/src/sink/event-rows';
import { rebuildTables } from '../../libs/projection-clickhouse/src/schema/analytics-tables';
import { documentOf } from '../../libs/projection-elasticsearch/src/record-document';
import { migrateAll } from '../../migrations/migrate';
import { rawInsert } from '../ingest/raw-insert';
import { CpuUsage } from '../pipeline/cpu-usage';
import { exportCommand } from '../../apps/ops-cli/src/replay/export.command';
import { replayCommand } from '../../apps/ops-cli/src/replay/replay.command';

const RECORDS = Number(process.env.BENCH_REPLAY_RECORDS ?? 200_000);
const PAYLOAD = Number(process.env.BENCH_PAYLOAD_BYTES ?? 256);
const BATCH = Number(process.env.BENCH_REPLAY_BATCH ?? 5_000);
const WORKERS = Number(process.env.BENCH_REPLAY_WORKERS ?? 2);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'export,clickhouse,elasticsearch').split(','));

interface Measured {
  ms: number;
  cpu: Array<{ name: string; percent: number }>;
}

async function measure(work: () => Promise<unknown>): Promise<Measured> {
  const cpu = new CpuUsage(() => ({}));
  cpu.begin();
  const started = performance.now();
  await work();
  return { ms: performance.now() - started, cpu: cpu.end() };
}

function report(name: string, events: number, m: Measured, baseline?: Measured): void {
  const seconds = m.ms / 1000;
  const perEvent = (who: string) => {
    const p = m.cpu.find((c) => c.name === who)?.percent ?? 0;
    return `${Math.round(((p / 100) * seconds * 1e6) / events)} µs`;
  };
  const ratio = baseline ? `  ${(baseline.ms / m.ms).toFixed(2)}× the baseline's rate` : '';
  console.log(`${name.padEnd(34)} ${Math.round(events / seconds).toLocaleString('en').padStart(9)} events/s${ratio}  CPU/event: node ${perEvent('load generator')}, mariadb ${perEvent('mariadb')}, clickhouse ${perEvent('clickhouse')}, elasticsearch ${perEvent('elasticsearch')}`);
}

/** The benchmark's indices and templates (named: the cluster refuses wildcard deletes). */
async function dropIndices(es: ReturnType<typeof createElasticsearchClient>, prefix: string): Promise<void> {
  const indices = Object.keys(await es.indices.get({ index: `${prefix}*`, allow_no_indices: true, ignore_unavailable: true }));
  if (indices.length > 0) await es.indices.delete({ index: indices });
  const templates = await es.indices.getIndexTemplate({ name: `${prefix}*` }).catch(() => ({ index_templates: [] }));
  for (const t of templates.index_templates) await es.indices.deleteIndexTemplate({ name: t.name });
}

class NoDeadLetters implements DeadLetterPublisher {
  async publish(_projection: string, letters: readonly DeadLetter[]): Promise<void> {
    throw new Error(`the benchmark's events were rejected: ${letters[0]?.reason}`);
  }
}

async function replayInto(reader: MysqlEventLogReader, shards: number[], sink: ProjectionSink): Promise<number> {
  const { events } = await replayEventStore({ reader, shards, batchSize: BATCH, concurrency: 2, retry: { initialMs: 200, maxMs: 2_000 }, maxAttempts: 3, log: () => {} }, sink, new NoDeadLetters());
  return events;
}

async function main(): Promise<void> {
  const prefix = `br${randomBytes(3).toString('hex')}_`;
  const base = shardingConfigFromEnv({ ...process.env, SHARDLINE_SHARDS: undefined, SHARDLINE_CONTROL_URL: undefined });
  const config: ShardingConfig = {
    ...base,
    queryTimeoutMs: 0,
    shards: Array.from({ length: 4 }, (_, i) => ({ ...base.control, database: `${prefix}data_db_${i}` })),
    control: { ...base.control, database: `${prefix}control` },
  };
  await migrateAll(config);
  const databases = new ShardDatabases(config);
  const url = (d: { user: string; password: string; host: string; port: number; database: string }) => `mysql://${encodeURIComponent(d.user)}:${encodeURIComponent(d.password)}@${d.host}:${d.port}/${d.database}`;
  const commandEnv = { ...process.env, SHARDLINE_SHARDS: config.shards.map(url).join(','), SHARDLINE_CONTROL_URL: url(config.control), SHARDLINE_LOG_LEVEL: 'warn' };
  const file = join(tmpdir(), `${prefix}export.jsonl`);
  const chConfig = { ...clickHouseConfigFromEnv(process.env), database: `${prefix}ch` };
  const gateway = createClickHouseGateway(chConfig);
  const es = createElasticsearchClient({ url: process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200', requestTimeoutMs: 120_000, maxRetries: 0 });
  try {
    await rawInsert(config, RECORDS, 10_000, 4, PAYLOAD);
    const reader = new MysqlEventLogReader(databases);
    const shards = databases.shardIndexes();
    console.log(`# replay benchmark: ${RECORDS.toLocaleString('en')} events (RecordCreated, ${PAYLOAD}-byte data_content) on 4 shards, batches of ${BATCH}, node ${process.version}`);

    // Baseline of every phase's source: the rows themselves, read raw in the same keyset pages.
    const pools = config.shards.map((s) => mysql.createPool({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, connectionLimit: 1, supportBigNumbers: true, bigNumberStrings: true }));
    const rawRead = async () => {
      for (const pool of pools) {
        for (let after = 0; ; ) {
          const [rows] = (await pool.query(`SELECT position, stream_id, stream_version, event_type, schema_version, data, metadata, created_time FROM events WHERE position > ${after} AND staged_by IS NULL ORDER BY position LIMIT ${BATCH}`)) as unknown as [Array<{ position: string }>];
          if (rows.length === 0) break;
          after = Number(rows[rows.length - 1].position);
        }
      }
    };
    await rawRead(); // warm the buffer pool for every phase alike

    if (PHASES.has('export')) {
      const raw = await measure(rawRead);
      report('raw keyset read (baseline)', RECORDS, raw);
      const out = createWriteStream(file);
      const exported = await measure(() =>
        exportEvents(reader, shards, {}, async (text) => {
          if (!out.write(text)) await once(out, 'drain');
        }, { batchSize: BATCH }),
      );
      await new Promise<void>((resolve) => out.end(resolve));
      const size = statSync(file).size;
      report(`export → JSONL (${(size / 1e6).toFixed(0)} MB)`, RECORDS, exported, raw);
      const inWorkers = await measure(async () => {
        if ((await exportCommand(['--out', file, '--workers', String(WORKERS), '--batch', String(BATCH)], commandEnv)) !== 0) throw new Error('export --workers failed');
      });
      if (statSync(file).size !== size) throw new Error('export --workers wrote another size than the export in one thread');
      report(`cli export --workers ${WORKERS}`, RECORDS, inWorkers, raw);
    }

    // The envelopes every sink baseline starts from, built before the clock starts.
    const envelopes: RecordEventEnvelope[] = [];
    for (const shard of shards) for (let after = '0'; ; ) {
      const page = await reader.readEventsAfter(shard, after, BATCH);
      if (page.length === 0) break;
      after = page[page.length - 1].position;
      envelopes.push(...page.map(envelopeOf));
    }
    const chunks = Array.from({ length: Math.ceil(envelopes.length / BATCH) }, (_, i) => envelopes.slice(i * BATCH, (i + 1) * BATCH));

    if (PHASES.has('clickhouse')) {
      const sink = new ClickHouseProjectionSink(gateway, chConfig.database);
      await sink.prepare();
      const rows = chunks.map((chunk) => mapBatch(chunk));
      // The baseline's tables: a rebuild table set of the same schema, written without any sink code.
      await sink.createRebuildTarget('rawbaseline');
      const rawTables = rebuildTables(chConfig.database, 'rawbaseline');
      const raw = await measure(async () => {
        for (const batch of rows) {
          await gateway.insertRows(rawTables.events, batch.events as never);
          await gateway.insertRows(rawTables.latest, batch.latest as never);
        }
      });
      report('ClickHouse raw insert (baseline)', RECORDS, raw);
      report('replay → ClickHouse', RECORDS, await measure(() => replayInto(reader, shards, sink)), raw);
      const second = `${chConfig.database}_w`;
      const checkpoint = join(tmpdir(), `${prefix}replay.json`);
      const inWorkers = await measure(async () => {
        const code = await replayCommand(['--to', 'clickhouse', '--workers', String(WORKERS), '--batch', String(BATCH), '--checkpoint', checkpoint, '--restart'], { ...commandEnv, SHARDLINE_CLICKHOUSE_DATABASE: second });
        if (code !== 0) throw new Error(`replay --workers exited ${code}`);
      });
      rmSync(checkpoint, { force: true });
      report(`cli replay → ClickHouse --workers ${WORKERS}`, RECORDS, inWorkers, raw);
      await gateway.command(`DROP DATABASE IF EXISTS ${second}`);
    }

    if (PHASES.has('elasticsearch')) {
      const indexBase = `${prefix}records`;
      const sink = new ElasticsearchRecordsSink({ client: es, indexBase });
      await sink.prepare();
      const rawIndex = `${prefix}raw`;
      // The same index operations the sink sends (external version = stream version), to one index.
      const operations = chunks.map((chunk) =>
        chunk.flatMap((e) => {
          const outcome = documentOf(e);
          return outcome.kind === 'document' ? [{ index: { _index: rawIndex, _id: e.record_id, version: e.stream_version, version_type: 'external' as const } }, outcome.document] : [];
        }),
      );
      const raw = await measure(async () => {
        for (const batch of operations) if (batch.length) await es.bulk({ operations: batch, refresh: false });
      });
      report('Elasticsearch raw _bulk (baseline)', RECORDS, raw);
      report('replay → Elasticsearch', RECORDS, await measure(() => replayInto(reader, shards, sink)), raw);
      await dropIndices(es, prefix);
    }
    await Promise.all(pools.map((p) => p.end()));
  } finally {
    rmSync(file, { force: true });
    await gateway.command(`DROP DATABASE IF EXISTS ${chConfig.database}`).catch(() => {});
    await gateway.command(`DROP DATABASE IF EXISTS ${chConfig.database}_w`).catch(() => {});
    await gateway.close();
    await es.close();
    await databases.destroy();
    const server = createServerPool(config.control);
    for (const db of [config.control, ...config.shards]) await server.raw(`DROP DATABASE IF EXISTS \`${db.database}\``);
    await server.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
