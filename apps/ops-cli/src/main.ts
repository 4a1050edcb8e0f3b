/**
 * Operator commands:
 *   migrate               create databases, migrate control + every shard, seed the slot map, add partitions
 *   shards add URL…|list  register and migrate new, empty shard databases; list the registry (src/shards)
 *   slots move|status|pause|resume|abort|cleanup   move slots between shards online (src/slots; docs/adr/0008)
 *   partitions [months]   on every shard: create event and record partitions for the next `months` months (default 3)
 *                         and forget Idempotency-Keys older than SHARDLINE_IDEMPOTENCY_RETENTION_DAYS (7)
 *   projections:rebuild <elasticsearch|clickhouse>   rebuild a read model from the event store and swap it in
 *   dlq list|inspect|resend ...   dead letters of the projections: what is there, one in full, deliver them again (dlq/)
 *   verify [--repair] [...]   compare the event store with records / Elasticsearch / ClickHouse (src/verify)
 *   records:rebuild [--shard N]   recompute the inline records table from the events, online
 *   keys create|list|revoke|dev   API keys (src/keys): create one (printed once), list, revoke; dev: npm start's first key
 *   export --out FILE.jsonl ...   the event store (all, or shards / a business / a user / a time range) as JSONL envelopes (src/replay)
 *   replay --to <projection> ...  the event store, or a JSONL recording, into a projection; progress, resumable (src/replay)
 *   import FILE.jsonl [--dry-run] [--outbox]   a JSONL recording into the event store, by the slot map; idempotent (src/replay)
 *   maintain [--only …]   data lifecycle: exports cold event months, read-model retention, daily rollup, topic retention (src/maintenance)
 *   archive export|verify|drop   the event store's cold months: export, check, drop on explicit request (src/maintenance)
 */
import { shardingConfigFromEnv } from '@shardline/sharding';
import { IDEMPOTENCY_RETENTION_DAYS, maintainPartitions, migrateAll, PARTITION_MONTHS_AHEAD } from '../../../migrations/migrate';
import { rebuildProjectionCommand } from './rebuild-projection.command';
import { dlqCommand } from './dlq/dlq.command';
import { runVerifyCli } from './verify/verify.cli';
import { keysCommand } from './keys/keys.command';
import { exportCommand } from './replay/export.command';
import { replayCommand } from './replay/replay.command';
import { importCommand } from './replay/import.command';
import { maintainCommand } from './maintenance/maintain.command';
import { archiveCommand } from './maintenance/archive.command';
import { shardsCommand } from './shards/shards.command';
import { recordsUnpartitionedNotice } from './shards/records-unpartitioned-notice';
import { slotsCommand } from './slots/slots.command';

async function main(argv: string[]): Promise<void> {
  const [command, arg] = argv;
  if (command === 'verify' || command === 'records:rebuild') return runVerifyCli(command, argv.slice(1), process.env);
  if (command === 'archive') {
    process.exitCode = await archiveCommand(argv.slice(1), process.env);
    return;
  }
  if (command === 'maintain') {
    process.exitCode = await maintainCommand(argv.slice(1), process.env);
    return;
  }
  if (command === 'shards') {
    process.exitCode = await shardsCommand(argv.slice(1), process.env);
    return;
  }
  if (command === 'slots') {
    process.exitCode = await slotsCommand(argv.slice(1), process.env);
    return;
  }
  if (command === 'keys') {
    process.exitCode = await keysCommand(argv.slice(1), process.env);
    return;
  }
  if (command === 'export') {
    process.exitCode = await exportCommand(argv.slice(1), process.env);
    return;
  }
  if (command === 'import') {
    process.exitCode = await importCommand(argv.slice(1), process.env);
    return;
  }
  if (command === 'replay') {
    process.exitCode = await replayCommand(argv.slice(1), process.env);
    return;
  }
  const config = shardingConfigFromEnv(process.env);
  switch (command) {
    case 'migrate':
      for (const r of await migrateAll(config)) {
        console.log(`${r.database}: migrations applied [${r.applied.join(', ') || 'none'}], partitions added [${r.partitionsAdded.join(', ') || 'none'}], record partitions added [${r.recordPartitionsAdded.join(', ') || 'none'}]`);
        if (r.recordsUnpartitioned) console.log(recordsUnpartitionedNotice(r.database, r.recordsUnpartitioned));
      }
      return;
    case 'partitions': {
      const months = arg ? Number(arg) : PARTITION_MONTHS_AHEAD;
      if (!Number.isInteger(months) || months < 0 || months > 120) throw new Error('months must be an integer 0..120');
      const retention = Number(process.env.SHARDLINE_IDEMPOTENCY_RETENTION_DAYS ?? IDEMPOTENCY_RETENTION_DAYS);
      if (!Number.isInteger(retention) || retention < 1 || retention > 3650) throw new Error('SHARDLINE_IDEMPOTENCY_RETENTION_DAYS must be an integer 1..3650');
      for (const r of await maintainPartitions(config, { monthsAhead: months, idempotencyRetentionDays: retention })) {
        console.log(`${r.database}: partitions added [${r.partitionsAdded.join(', ') || 'none'}], record partitions added [${r.recordPartitionsAdded.join(', ') || 'none'}], processed commands forgotten ${r.commandsForgotten}`);
      }
      return;
    }
    case 'projections:rebuild':
      console.log(JSON.stringify(await rebuildProjectionCommand(arg, process.env), null, 2));
      return;
    case 'dlq':
      process.exitCode = await dlqCommand(argv.slice(1), process.env);
      return;
    default:
      console.error('usage: ops-cli migrate | shards <add|list> | slots <move|status|pause|resume|abort|cleanup> | partitions [monthsAhead] | projections:rebuild <projection> | dlq <list|inspect|resend> | verify [...] | records:rebuild [...] | keys <create|list|revoke|dev> | export [...] | replay [...] | import FILE.jsonl [...] | maintain [--only …] | archive <export|verify|drop>');
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
