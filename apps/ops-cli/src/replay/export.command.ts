import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { exportEvents } from '@shardline/event-export';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { Progress } from './progress';
import { positiveInt, SELECTION_OPTIONS, selectionOf } from './selection-args';

export const EXPORT_USAGE = 'cli export --out FILE.jsonl|- [--shards 0,1] [--business ID] [--user ID] [--since DATE] [--until DATE] [--batch 5000]';

/**
 * `npm run cli -- export`: the selected events of the event store as JSONL envelopes (the bytes the
 * relay publishes), shard after shard in position order; progress on stderr. Returns the exit code.
 */
export async function exportCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, batch: { type: 'string' }, ...SELECTION_OPTIONS }, strict: true });
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
    const { scanned, exported } = await exportEvents(reader, shards, selection, write, { batchSize: positiveInt('batch', values.batch, 5_000), onPage: (page) => progress.add(page.scanned) });
    progress.stop();
    process.stderr.write(`exported ${exported} of ${scanned} events read from shards ${shards.join(',')}\n`);
    return 0;
  } finally {
    if (out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
    await databases.destroy();
  }
}
