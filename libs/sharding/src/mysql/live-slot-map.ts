import { connectionOfShard } from '../shard-registry';
import { SlotMapShardRouter } from '../shard-router';
import { SlotMapWatcher, SlotMapWatcherOptions } from '../slot-map-watcher';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { MysqlSlotMapStore } from './mysql-slot-map.store';
import { MysqlSlotMapReaders } from './slot-map-readers';
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
export async function liveSlotMap(databases: ShardDatabases, options: Partial<SlotMapWatcherOptions> & { app?: string } = {}): Promise<LiveSlotMap> {
  let router: SlotMapShardRouter | undefined;
  const { app, ...watcherOptions } = options;
  const readers = new MysqlSlotMapReaders(databases.control);
  const reader = readerName(app);
  const watcher = new SlotMapWatcher(
    new MysqlSlotMapStore(databases.control),
    (snapshot) => {
      for (const entry of snapshot.shards) databases.addShard(entry.shard, connectionOfShard(databases.config, entry));
      router?.replace(snapshot.map, snapshot.version);
    },
    {
      pollMs: databases.config.slotMapPollMs ?? 1000,
      report: { write: (version) => readers.report(reader, version), forget: () => readers.forget(reader), everyMs: READER_REPORT_EVERY_MS },
      ...watcherOptions,
    },
  );
  const first = await watcher.start();
  router = new SlotMapShardRouter(first.map, first.version);
  router.refreshWith(() => watcher.refresh());
  return { router, watcher };
}

/** How often a process tells the control database it is alive and which map it routes by. */
export const READER_REPORT_EVERY_MS = 5_000;

/**
 * `<app>@<host>#<pid>.<random>`: names the process in `slot_map_readers` (and in a cleanup's wait
 * message); the random part tells apart two maps of one process (tests run several apps in one).
 */
function readerName(app?: string): string {
  // dist/apps/<app>/main.js or apps/<app>/src/main.ts: the app's folder, when no name was given.
  const script = process.argv[1] ?? 'node';
  const guess = basename(dirname(script)) === 'src' ? basename(dirname(dirname(script))) : basename(dirname(script));
  return `${app ?? guess}@${hostname()}#${process.pid}.${randomBytes(3).toString('hex')}`.slice(-191);
}
