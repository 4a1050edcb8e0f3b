import { parseArgs } from 'node:util';
import { connectionOfShard, shardingConfigFromEnv } from '@shardline/sharding';
import { MysqlShardRegistry, MysqlSlotMapStore, redacted, ShardDatabases } from '@shardline/sharding/mysql';
import { addShard } from '../../../../migrations/migrate';
import { PARTITION_RECORDS_USAGE, partitionRecordsCommand } from './partition-records.command';

export const SHARDS_USAGE = `usage: ops-cli shards add mysql://[user[:password]@]host[:port]/database [more urls…]
       ops-cli shards list [--json]   (per shard: slots the map gives it, slots it owns itself, url)
  add: creates and migrates each new, empty shard database (it may be on another server), then
       registers it under the next index. It owns no slot until a slot move gives it some; every
       process opens its pools within SHARDLINE_SLOT_MAP_POLL_MS. A url without a user uses the
       control database's credentials (so no password is stored in the registry).
${PARTITION_RECORDS_USAGE.replace(/^usage: /, '       ')}`;

/** `ops-cli shards …` (docs/adr/0008): exit 0 done, 2 bad command line. */
export async function shardsCommand(argv: string[], env: Record<string, string | undefined>, print: (line: string) => void = console.log): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'partition-records') return partitionRecordsCommand(rest, shardingConfigFromEnv(env), print);
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const config = shardingConfigFromEnv(env);
  switch (sub) {
    case 'add': {
      if (positionals.length === 0) return usage(print);
      // One at a time, in the order given: each gets the next index.
      for (const url of positionals) {
        const added = await addShard(config, url);
        print(`shard ${added.shard}: ${redacted(added.url)} registered (migrations applied [${added.applied.join(', ') || 'none'}]); owns no slot yet`);
      }
      return 0;
    }
    case 'list':
      return listShards(config, values.json ?? false, print);
    default:
      return usage(print);
  }
}

async function listShards(config: ReturnType<typeof shardingConfigFromEnv>, json: boolean, print: (line: string) => void): Promise<number> {
  const databases = new ShardDatabases(config);
  try {
    const store = new MysqlSlotMapStore(databases.control);
    const [shards, ownership, version] = await Promise.all([new MysqlShardRegistry(databases.control).list(), store.ownership(), store.version()]);
    const slotsOf = (shard: number) => ownership.filter((o) => o.shard === shard).length;
    for (const entry of shards) databases.addShard(entry.shard, connectionOfShard(config, entry));
    // What each shard itself admits (owned_slots): equal to the map's count except during a cutover.
    const owned = await Promise.all(
      shards.map((s) =>
        databases
          .shard(s.shard)('owned_slots')
          .count({ n: '*' })
          .then((rows) => Number(rows[0].n), () => null),
      ),
    );
    const rows = shards.map((s, i) => ({ shard: s.shard, url: redacted(s.url), slots: slotsOf(s.shard), owned: owned[i] }));
    if (json) print(JSON.stringify({ version, shards: rows }));
    else {
      print(`slot map version ${version}`);
      for (const r of rows) print(`shard ${r.shard}  ${String(r.slots).padStart(4)} slots in the map, ${r.owned === null ? 'unreachable' : `${String(r.owned).padStart(4)} owned`}  ${r.url}`);
    }
    return 0;
  } finally {
    await databases.destroy();
  }
}

function usage(print: (line: string) => void): number {
  print(SHARDS_USAGE);
  return 2;
}
