import { createReadStream, createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { exportEvents } from '@shardline/event-export';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { Progress } from './progress';
import { positiveInt, SELECTION_OPTIONS, selectionOf } from './selection-args';
import { dealShards, jobSelectionOf, runShardWorkers } from './shard-workers';

export const EXPORT_USAGE = 'cli export --out FILE.jsonl|- [--shards 0,1] [--business ID] [--user ID] [--since DATE] [--until DATE] [--batch 5000] [--workers 1]';

/**
 * `npm run cli -- export`: the selected events of the event store as JSONL envelopes (the bytes the
 * relay publishes), shard after shard in position order; progress on stderr. Returns the exit code.
 * `--workers N` exports the shards in N worker threads at once, each shard into a part file beside
 * the output, then joins the parts in shard order: the same bytes as one thread writes.
 */
export async function exportCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, batch: { type: 'string' }, workers: { type: 'string' }, ...SELECTION_OPTIONS }, strict: true });
  if (!values.out) throw new Error(`usage: ${EXPORT_USAGE}`);
  const selection = selectionOf(values);
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  const out: NodeJS.WritableStream | WriteStream = values.out === '-' ? process.stdout : createWriteStream(values.out);
  try {
    const reader = new MysqlEventLogReader(databases);
    const shards = databases.shardIndexes().filter((s) => !selection.shards || selection.shards.includes(s));
    let total = 0;
    for (const shard of shards) total += Number(await reader.lastPosition(shard));
    const progress = new Progress('export', total);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    const batchSize = positiveInt('batch', values.batch, 5_000);
    const workers = positiveInt('workers', values.workers, 1);
    const { scanned, exported } =
      workers > 1 && shards.length > 1
        ? await exportInWorkers(env, shards, values.out, { selection: jobSelectionOf(selection), batchSize, workers }, out, (events) => progress.add(events))
        : await exportEvents(reader, shards, selection, write, { batchSize, onPage: (page) => progress.add(page.scanned) });
    progress.stop();
    process.stderr.write(`exported ${exported} of ${scanned} events read from shards ${shards.join(',')}\n`);
    return 0;
  } finally {
    if (out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
    await databases.destroy();
  }
}

/** The shards in worker threads, each into `<out>.shard-<n>.part`, joined into `out` in shard order. */
async function exportInWorkers(
  env: Record<string, string | undefined>,
  shards: readonly number[],
  outName: string,
  job: { selection: ReturnType<typeof jobSelectionOf>; batchSize: number; workers: number },
  out: NodeJS.WritableStream,
  onEvents: (events: number) => void,
): Promise<{ scanned: number; exported: number }> {
  const base = outName === '-' ? `.shardline-export-${process.pid}` : outName;
  const partOf = Object.fromEntries(shards.map((s) => [s, `${base}.shard-${s}.part`]));
  try {
    const totals = await runShardWorkers(
      dealShards(shards, job.workers).map((hand) => ({ kind: 'export', env, shards: hand, selection: job.selection, batchSize: job.batchSize, partOf })),
      (report) => onEvents(report.events),
    );
    for (const shard of shards) await pipeline(createReadStream(partOf[shard]), out, { end: false });
    return totals;
  } finally {
    for (const part of Object.values(partOf)) rmSync(part, { force: true });
  }
}
