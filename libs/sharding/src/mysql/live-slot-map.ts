import { connectionOfShard } from '../shard-registry';
import { SlotMapShardRouter } from '../shard-router';
import { SlotMapWatcher, SlotMapWatcherOptions } from '../slot-map-watcher';
import { MysqlSlotMapStore } from './mysql-slot-map.store';
import type { ShardDatabases } from './shard-databases';

export interface LiveSlotMap {
  router: SlotMapShardRouter;
  watcher: SlotMapWatcher;
}

/**
 * What every process routes with (docs/adr/0008): the control database's map, kept current by a
 * SlotMapWatcher polling every `databases.config.slotMapPollMs`. On each new version the pools
 * of newly registered shards are added to `databases` first (no connection opened until used), then
 * the router swaps to the new map; the router's refresh() reloads at once (a fenced write).
 */
export async function liveSlotMap(databases: ShardDatabases, options: Partial<SlotMapWatcherOptions> = {}): Promise<LiveSlotMap> {
  let router: SlotMapShardRouter | undefined;
  const watcher = new SlotMapWatcher(
    new MysqlSlotMapStore(databases.control),
    (snapshot) => {
      for (const entry of snapshot.shards) databases.addShard(entry.shard, connectionOfShard(databases.config, entry));
      router?.replace(snapshot.map, snapshot.version);
    },
    { pollMs: databases.config.slotMapPollMs ?? 1000, ...options },
  );
  const first = await watcher.start();
  router = new SlotMapShardRouter(first.map, first.version);
  router.refreshWith(() => watcher.refresh());
  return { router, watcher };
}
