import { createReadStream, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { envelopesOfJsonl, RecordedEventLog, selectsStoredEvent } from '@shardline/event-export';
import type { EventLogReader } from '@shardline/event-store';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { type DeadLetter, type DeadLetterPublisher, replayEventStore } from '@shardline/projections';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import pino from 'pino';
import { PROJECTION_NAMES, projectorConfigFromEnv, type ProjectionName } from '../../../projector/src/config';
import { createSink } from '../../../projector/src/sinks';
import { ReplayCheckpoint } from './checkpoint';
import { Progress } from './progress';
import { positiveInt, SELECTION_OPTIONS, selectionOf } from './selection-args';
import { dealShards, jobSelectionOf, runShardWorkers } from './shard-workers';

export const REPLAY_USAGE = `cli replay --to <${PROJECTION_NAMES.join('|')}> [--from-file FILE.jsonl] [--shards 0,1] [--business ID] [--user ID] [--since DATE] [--until DATE] [--checkpoint FILE] [--restart] [--batch 5000] [--concurrency 2] [--workers 1]`;

/** Rejected events (the sink can never apply them): printed at the end, and the exit code says so. */
class CollectedDeadLetters implements DeadLetterPublisher {
  readonly letters: DeadLetter[] = [];
  async publish(_projection: string, letters: readonly DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
}

/**
 * `npm run cli -- replay`: the event store of every shard (or some; a business, a user, a time
 * range), or a JSONL recording, into a projection configured like the projector's
 * (SHARDLINE_ES_*, SHARDLINE_CLICKHOUSE_*), with progress on stderr. Resumable: positions are
 * checkpointed after every chunk the target accepted; run the same command again after a Ctrl-C.
 * The target is written as the live projection writes it (idempotent by stream version), so a
 * resumed or repeated replay leaves every event in it once. Exit 0, or 3 when events were rejected.
 * `--workers N` (the event store only) replays the shards in N worker threads, each with its own
 * pools and sink client (`--concurrency` shards at a time each); this thread keeps the progress and
 * the checkpoint, saved as each worker reports a chunk the target accepted.
 */
export async function replayCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { to: { type: 'string' }, 'from-file': { type: 'string' }, checkpoint: { type: 'string' }, restart: { type: 'boolean' }, batch: { type: 'string' }, concurrency: { type: 'string' }, workers: { type: 'string' }, ...SELECTION_OPTIONS },
    strict: true,
  });
  if (!values.to || !(PROJECTION_NAMES as readonly string[]).includes(values.to)) throw new Error(`usage: ${REPLAY_USAGE}`);
  const to = values.to as ProjectionName;
  const selection = selectionOf(values);
  const config = projectorConfigFromEnv({ ...env, SHARDLINE_PROJECTIONS: to });
  const logger = pino({ name: 'shardline-replay', level: config.logLevel });
  const { sink, close } = createSink(to, config);
  const fromFile = values['from-file'];
  // The event store, and the user keys that open content sealed at write time (a recording holds it sealed, as Kafka does).
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  try {
    await sink.prepare();
    const reader: EventLogReader = fromFile ? await RecordedEventLog.of(envelopesOfJsonl(createReadStream(fromFile))) : new MysqlEventLogReader(databases);
    const available = fromFile ? (reader as RecordedEventLog).shards() : databases.shardIndexes();
    const shards = available.filter((s) => !selection.shards || selection.shards.includes(s));

    const checkpoint = new ReplayCheckpoint(values.checkpoint ?? `.shardline-replay-${to}.json`, JSON.stringify({ to, source: fromFile ?? 'event-store', selection }));
    if (values.restart) rmSync(checkpoint.file, { force: true });
    const after = checkpoint.load();
    if (after.size > 0) process.stderr.write(`resuming from ${checkpoint.file}: ${[...after].map(([s, p]) => `shard ${s} after ${p}`).join(', ')}\n`);

    const progress = new Progress(`replay → ${to}`, await eventsLeft(reader, shards, after));
    const deadLetters = new CollectedDeadLetters();
    const stop = () => {
      progress.stop();
      process.stderr.write(`stopped; run the same command again to resume from ${checkpoint.file}\n`);
      process.exit(130);
    };
    process.once('SIGINT', stop);
    const filtered = selection.businessId !== undefined || selection.userId !== undefined || selection.since || selection.until;
    const batchSize = positiveInt('batch', values.batch, 5_000);
    const concurrency = positiveInt('concurrency', values.concurrency, 2);
    const workers = positiveInt('workers', values.workers, 1);
    if (workers > 1 && fromFile) throw new Error('--workers replays the event store; a recording (--from-file) is replayed by one thread');
    if (workers > 1) {
      const totals = await runShardWorkers(
        dealShards(shards, workers).map((hand) => ({ kind: 'replay', env, to, shards: hand, selection: jobSelectionOf(selection), batchSize, concurrency, after: [...after].filter(([s]) => hand.includes(s)) })),
        ({ shard, position, events }) => {
          checkpoint.save(shard, position);
          progress.add(events);
        },
      );
      process.off('SIGINT', stop);
      progress.stop();
      process.stderr.write(`replayed ${totals.scanned} events into ${to} from shards ${shards.join(',')} in ${workers} workers; rejected ${totals.rejected}\n`);
      for (const letter of totals.letters.slice(0, 20)) process.stderr.write(`  rejected at ${letter.where}: ${letter.reason}\n`);
      return totals.rejected > 0 ? 3 : 0;
    }
    const totals = await replayEventStore(
      {
        reader,
        shards,
        batchSize,
        concurrency,
        retry: { initialMs: 200, maxMs: 5_000 },
        maxAttempts: 10,
        log: (level, message, extra = {}) => logger[level](extra, message),
        keys: cachedMysqlUserKeys(databases.control, config.userKeys),
        filter: filtered ? (event) => selectsStoredEvent(selection, event) : undefined,
        after,
        onChunk: ({ shard, position, events }) => {
          checkpoint.save(shard, position);
          progress.add(events);
        },
      },
      sink,
      deadLetters,
    );
    process.off('SIGINT', stop);
    progress.stop();
    process.stderr.write(`replayed ${totals.events} events into ${to} from ${fromFile ?? `shards ${shards.join(',')}`}; rejected ${totals.rejected}\n`);
    for (const letter of deadLetters.letters.slice(0, 20)) process.stderr.write(`  rejected at ${letter.message.position.topic}@${letter.message.position.offset}: ${letter.reason}\n`);
    return totals.rejected > 0 ? 3 : 0;
  } finally {
    await databases.destroy();
    await close();
  }
}

/** Events left to replay, estimated from positions (the event store) or counted (a recording). */
async function eventsLeft(reader: EventLogReader, shards: readonly number[], after: ReadonlyMap<number, string>): Promise<number> {
  let left = 0;
  for (const shard of shards) {
    const from = after.get(shard) ?? '0';
    if (reader instanceof MysqlEventLogReader) left += Math.max(0, Number(await reader.lastPosition(shard)) - Number(from));
    else if (reader instanceof RecordedEventLog) left += reader.countAfter(shard, from);
  }
  return left;
}
