import { parseArgs } from 'node:util';
import { importRecording, type ImportReport } from '@shardline/event-export';
import { MysqlEventImport } from '@shardline/event-store/mysql';
import { RecordsInlineProjection } from '@shardline/records-mysql';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { MysqlSlotMapStore, ShardDatabases } from '@shardline/sharding/mysql';
import { userKeysConfigFromEnv } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { positiveInt } from './selection-args';

export const IMPORT_USAGE = 'cli import FILE.jsonl [--dry-run] [--outbox] [--streams-per-transaction 500]';

/**
 * `npm run cli -- import FILE.jsonl`: a JSONL recording (the export's format) into the event store,
 * each stream on the shard the slot map gives its business, with its `records` row; idempotent
 * (events already held are skipped; a second import writes nothing and says so). `--outbox` also
 * queues the events for the relay (off by default: a recording is history, already published
 * where it was recorded). `--dry-run` checks and reports without writing. Exit 0, 1 on a refusal.
 */
export async function importCommand(argv: string[], env: Record<string, string | undefined>, out: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'dry-run': { type: 'boolean' }, outbox: { type: 'boolean' }, 'streams-per-transaction': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new Error(`usage: ${IMPORT_USAGE}`);
  const [file] = positionals;
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  try {
    const slotMap = await new MysqlSlotMapStore(databases.control).loadOrInit(databases.count);
    const report = await importRecording(file, new MysqlEventImport(databases, new RecordsInlineProjection()), {
      shardFor: (businessId) => slotMap.shardFor(businessId),
      outbox: values.outbox ?? false,
      dryRun: values['dry-run'] ?? false,
      keys: cachedMysqlUserKeys(databases.control, userKeysConfigFromEnv(env)),
      streamsPerTransaction: positiveInt('streams-per-transaction', values['streams-per-transaction'], 500),
    });
    out(summary(file, report, values['dry-run'] ?? false));
    return 0;
  } finally {
    await databases.destroy();
  }
}

function summary(file: string, r: ImportReport, dryRun: boolean): string {
  if (r.imported === 0) return `nothing to import: the store already holds all ${r.events} events of ${file} (${r.streams} streams)`;
  const shards = r.shards.map((s) => `shard ${s.shard}: ${s.events} (positions ${s.positions})`).join(', ');
  return `${dryRun ? 'dry run, nothing written: would import' : 'imported'} ${r.imported} of ${r.events} events (${r.streams} streams; ${r.alreadyPresent} already in the store) from ${file}: ${shards}`;
}
