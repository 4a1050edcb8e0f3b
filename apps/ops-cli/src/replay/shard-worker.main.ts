/**
 * One worker thread of `export --workers N` / `replay --workers N` (shard-workers.ts): the same
 * export or replay as the command runs in-process, over the shards it was given, with its own
 * database pools and sink client; it reports every page or accepted chunk to the main thread,
 * which keeps the progress bar and the checkpoint.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { exportEvents, selectsStoredEvent } from '@shardline/event-export';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { type DeadLetter, type DeadLetterPublisher, replayEventStore } from '@shardline/projections';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { projectorConfigFromEnv } from '../../../projector/src/config';
import { createSink } from '../../../projector/src/sinks';
import { selectionOfJob, type ShardJob, type WorkerReport } from './shard-workers';

const report = (message: WorkerReport) => parentPort!.postMessage(message);

async function runExport(job: Extract<ShardJob, { kind: 'export' }>, databases: ShardDatabases): Promise<void> {
  const reader = new MysqlEventLogReader(databases);
  const selection = selectionOfJob(job.selection);
  for (const shard of job.shards) {
    const out = createWriteStream(job.partOf[shard]);
    const totals = await exportEvents(reader, [shard], selection, async (text) => {
      if (!out.write(text)) await once(out, 'drain');
    }, { batchSize: job.batchSize, onPage: (page) => report({ type: 'progress', shard, position: page.position, events: page.scanned }) });
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    report({ type: 'done', scanned: totals.scanned, exported: totals.exported, rejected: 0, letters: [] });
  }
}

async function runReplay(job: Extract<ShardJob, { kind: 'replay' }>, databases: ShardDatabases): Promise<void> {
  const config = projectorConfigFromEnv({ ...job.env, SHARDLINE_PROJECTIONS: job.to });
  const { sink, close } = createSink(job.to, config);
  const letters: DeadLetter[] = [];
  const deadLetters: DeadLetterPublisher = { publish: async (_p, l) => void letters.push(...l) };
  const selection = selectionOfJob(job.selection);
  const filtered = selection.businessId !== undefined || selection.userId !== undefined || selection.since || selection.until;
  try {
    await sink.prepare();
    const totals = await replayEventStore(
      {
        reader: new MysqlEventLogReader(databases),
        shards: job.shards,
        batchSize: job.batchSize,
        concurrency: job.concurrency,
        retry: { initialMs: 200, maxMs: 5_000 },
        maxAttempts: 10,
        log: () => {},
        keys: cachedMysqlUserKeys(databases.control, config.userKeys),
        filter: filtered ? (event) => selectsStoredEvent(selection, event) : undefined,
        after: new Map(job.after),
        onChunk: ({ shard, position, events }) => report({ type: 'progress', shard, position, events }),
      },
      sink,
      deadLetters,
    );
    report({ type: 'done', scanned: totals.events, exported: totals.events, rejected: totals.rejected, letters: letters.map((l) => ({ where: `${l.message.position.topic}@${l.message.position.offset}`, reason: l.reason })) });
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const job = workerData as ShardJob;
  const databases = new ShardDatabases({ ...shardingConfigFromEnv(job.env), queryTimeoutMs: 0 });
  try {
    if (job.kind === 'export') await runExport(job, databases);
    else await runReplay(job, databases);
  } finally {
    await databases.destroy();
  }
}

main().catch((error: unknown) => report({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
