import { Knex } from 'knex';
import { ensureMonthPartitions, pruneProcessedCommands } from '@shardline/event-store/mysql';
import { ensureRecordPartitions, planRecordsPartitioning } from '@shardline/records-mysql';
import { ConnectionConfig, connectionOfShard, ShardingConfig } from '@shardline/sharding';
import { createServerPool, MysqlShardRegistry, MysqlSlotMapStore, seedOwnedSlots, ShardDatabases } from '@shardline/sharding/mysql';
import * as eventStore from './shard/0001_event_store';
import * as records from './shard/0002_records';
import * as stagedWrites from './shard/0003_staged_writes';
import * as movingOut from './shard/0004_moving_out';
import * as pendingCacheInvalidations from './shard/0005_pending_cache_invalidations';
import * as recordsPartitioned from './shard/0006_records_partitioned';
import * as ownedSlots from './shard/0007_owned_slots';
import * as processedCommandsSlot from './shard/0008_processed_commands_slot';
import * as ownedSlotsPublishHold from './shard/0009_owned_slots_publish_hold';
import * as slotColumns from './shard/0010_slot_columns';
import * as slotMap from './control/0001_slot_map';
import * as sagas from './control/0002_sagas';
import * as commitPoints from './control/0003_commit_points';
import * as userKeys from './control/0004_user_keys';
import * as apiKeys from './control/0005_api_keys';
import * as workerLeases from './control/0006_snowflake_worker_leases';
import * as userKeyErasures from './control/0007_user_key_erasures';
import * as shardRegistry from './control/0008_shard_registry';
import * as userKeyErasureTriggers from './control/0009_user_key_erasure_triggers';
import * as shardSlotsSeeded from './control/0010_shard_slots_seeded';
import * as slotMoves from './control/0011_slot_moves';
import * as slotMapReaders from './control/0012_slot_map_readers';
import * as slotMoveObservations from './control/0013_slot_move_observations';
import * as sagaRunLeases from './control/0014_saga_run_leases';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

/** Migrations are imported, not globbed, so they run the same from tsx, jest and a bundle. */
class ListedMigrations implements Knex.MigrationSource<string> {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations(): Promise<string[]> {
    return Object.keys(this.migrations).sort();
  }
  getMigrationName(name: string): string {
    return name;
  }
  async getMigration(name: string): Promise<Migration> {
    return this.migrations[name];
  }
}

export const shardMigrations = new ListedMigrations({
  '0001_event_store': eventStore,
  '0002_records': records,
  '0003_staged_writes': stagedWrites,
  '0004_moving_out': movingOut,
  '0005_pending_cache_invalidations': pendingCacheInvalidations,
  '0006_records_partitioned': recordsPartitioned,
  '0007_owned_slots': ownedSlots,
  '0008_processed_commands_slot': processedCommandsSlot,
  '0009_owned_slots_publish_hold': ownedSlotsPublishHold,
  '0010_slot_columns': slotColumns,
});
export const controlMigrations = new ListedMigrations({
  '0001_slot_map': slotMap,
  '0002_sagas': sagas,
  '0003_commit_points': commitPoints,
  '0004_user_keys': userKeys,
  '0005_api_keys': apiKeys,
  '0006_snowflake_worker_leases': workerLeases,
  '0007_user_key_erasures': userKeyErasures,
  '0008_shard_registry': shardRegistry,
  '0009_user_key_erasure_triggers': userKeyErasureTriggers,
  '0010_shard_slots_seeded': shardSlotsSeeded,
  '0011_slot_moves': slotMoves,
  '0012_slot_map_readers': slotMapReaders,
  '0013_slot_move_observations': slotMoveObservations,
  '0014_saga_run_leases': sagaRunLeases,
});

/** Months of event and record partitions kept ready ahead of time. */
export const PARTITION_MONTHS_AHEAD = 3;

export interface MigrationReport {
  database: string;
  applied: string[];
  partitionsAdded: number[];
  recordPartitionsAdded: number[];
  /** A shard over the records copy limit: `records` left unpartitioned (shard/0006), to convert online. */
  recordsUnpartitioned?: { shard: number; estimatedRows: number };
}

/**
 * One command for the whole fleet: creates missing databases, migrates the control database,
 * registers the configured shards and seeds the slot map, then migrates every registered shard
 * (those `shards add` registered too), gives each its owned slots once, and makes sure event and
 * record partitions exist ahead of time.
 */
export async function migrateAll(config: ShardingConfig, now = new Date()): Promise<MigrationReport[]> {
  for (const connection of [config.control, ...config.shards]) await createDatabase(connection, config.connectTimeoutMs);
  // Migrations may run long (DDL on large tables): no per-query timeout here.
  const databases = new ShardDatabases({ ...config, queryTimeoutMs: 0 });
  try {
    const reports: MigrationReport[] = [];
    const [, controlApplied] = await databases.control.migrate.latest({ migrationSource: controlMigrations });
    const registry = new MysqlShardRegistry(databases.control);
    await registry.registerConfigured(config.shards);
    await addRegisteredShards(databases);
    const slotMap = new MysqlSlotMapStore(databases.control);
    await slotMap.loadOrInit(config.shards.length);
    const ownership = await slotMap.ownership();
    reports.push({ database: config.control.database, applied: controlApplied, partitionsAdded: [], recordPartitionsAdded: [] });
    for (const shard of databases.shardIndexes()) {
      const db = databases.shard(shard);
      const [, applied] = await db.migrate.latest({ migrationSource: shardMigrations });
      // Once per shard, never again: a shard that later gave up its last slot stays without it.
      if (!(await registry.slotsSeeded(shard))) {
        await seedOwnedSlots(db, shard, ownership);
        await registry.markSlotsSeeded(shard);
      }
      const partitionsAdded = await ensureMonthPartitions(db, now, PARTITION_MONTHS_AHEAD);
      const recordPartitionsAdded = await ensureRecordPartitions(db, now, PARTITION_MONTHS_AHEAD);
      const deferred = await planRecordsPartitioning(db, now);
      reports.push({
        database: databases.connectionOf(shard).database,
        applied,
        partitionsAdded,
        recordPartitionsAdded,
        ...(deferred ? { recordsUnpartitioned: { shard, estimatedRows: deferred.estimatedRows } } : {}),
      });
    }
    return reports;
  } finally {
    await databases.destroy();
  }
}

/**
 * `ops-cli shards add`: creates and migrates a new, empty shard database (it may live on another
 * server), then registers it under the next index. It owns no slot: processes open its pools on
 * their next map poll, and only a slot move sends it writes.
 */
export async function addShard(config: ShardingConfig, url: string, now = new Date()): Promise<{ shard: number; url: string; applied: string[] }> {
  const connection = connectionOfShard(config, { shard: Number.MAX_SAFE_INTEGER, url });
  const databases = new ShardDatabases({ ...config, shards: [connection], queryTimeoutMs: 0 });
  try {
    const registry = new MysqlShardRegistry(databases.control);
    const known = await registry.registeredAs(url);
    if (known !== null) throw new Error(`${connection.database} is already registered as shard ${known}`);
    await createDatabase(connection, config.connectTimeoutMs);
    const db = databases.shard(0);
    const [, applied] = await db.migrate.latest({ migrationSource: shardMigrations });
    const owned = await db('owned_slots').count({ n: '*' });
    const events = await db('events').count({ n: '*' });
    if (Number(owned[0].n) > 0 || Number(events[0].n) > 0) throw new Error(`${connection.database} is not empty (it holds events or owns slots): refusing to register it as a new shard`);
    await ensureMonthPartitions(db, now, PARTITION_MONTHS_AHEAD);
    const registered = await registry.register(url);
    return { ...registered, applied };
  } finally {
    await databases.destroy();
  }
}

async function createDatabase(connection: ConnectionConfig, connectTimeoutMs: number): Promise<void> {
  const server = createServerPool(connection, connectTimeoutMs);
  try {
    await server.raw(`CREATE DATABASE IF NOT EXISTS \`${connection.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await server.destroy();
  }
}

/** The shards the registry lists beyond the configured ones (maintenance covers them too). */
async function addRegisteredShards(databases: ShardDatabases): Promise<void> {
  for (const entry of await new MysqlShardRegistry(databases.control).list()) databases.addShard(entry.shard, connectionOfShard(databases.config, entry));
}

/**
 * How long an Idempotency-Key (and a saga step's command id) is remembered. A retry after this
 * executes as a new command. Keep it longer than any saga may stay parked before an operator
 * retries it, since its steps rely on their command ids.
 */
export const IDEMPOTENCY_RETENTION_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MaintenanceOptions {
  monthsAhead?: number;
  idempotencyRetentionDays?: number;
}

/**
 * The maintenance job, on every shard: create the coming months' event and record partitions, and forget
 * processed commands older than the idempotency retention.
 */
export async function maintainPartitions(config: ShardingConfig, options: MaintenanceOptions = {}, now = new Date()) {
  const monthsAhead = options.monthsAhead ?? PARTITION_MONTHS_AHEAD;
  const forgetBefore = new Date(now.getTime() - (options.idempotencyRetentionDays ?? IDEMPOTENCY_RETENTION_DAYS) * DAY_MS);
  const databases = new ShardDatabases({ ...config, queryTimeoutMs: 0 });
  try {
    await addRegisteredShards(databases);
    const out: Array<{ database: string; partitionsAdded: number[]; recordPartitionsAdded: number[]; commandsForgotten: number }> = [];
    for (const shard of databases.shardIndexes()) {
      const db = databases.shard(shard);
      out.push({
        database: databases.connectionOf(shard).database,
        partitionsAdded: await ensureMonthPartitions(db, now, monthsAhead),
        recordPartitionsAdded: await ensureRecordPartitions(db, now, monthsAhead),
        commandsForgotten: await pruneProcessedCommands(db, forgetBefore),
      });
    }
    return out;
  } finally {
    await databases.destroy();
  }
}
