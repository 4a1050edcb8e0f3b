import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { monthKeyOf } from '@shardline/event-store';
import { type ArchiveManifest, coldMonthsWithRows, dropArchivedMonth, type DropReport, exportMonthPartition, verifyArchive } from '@shardline/event-store/mysql';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';

export interface ArchiveSettings {
  dir: string;
  /** Months kept hot in the shards: the current one and this many before it. */
  hotMonths: number;
}

export function archiveSettingsFromEnv(env: Record<string, string | undefined>): ArchiveSettings {
  const hotMonths = Number(env.SHARDLINE_EVENTS_HOT_MONTHS ?? 3);
  if (!Number.isInteger(hotMonths) || hotMonths < 0 || hotMonths > 1200) throw new Error('SHARDLINE_EVENTS_HOT_MONTHS must be an integer 0..1200');
  return { dir: resolve(env.SHARDLINE_ARCHIVE_DIR ?? 'archive'), hotMonths };
}

/** The first month kept hot: months before it are exported. */
export function firstHotMonth(now: Date, hotMonths: number): number {
  const current = monthKeyOf(now);
  let key = current;
  for (let i = 0; i < hotMonths; i++) key = key % 100 === 1 ? key - 100 + 11 : key - 1;
  return key;
}

async function withShards<T>(env: Record<string, string | undefined>, each: (db: ReturnType<ShardDatabases['shard']>, database: string) => Promise<T>): Promise<T[]> {
  const config = shardingConfigFromEnv(env);
  // Streaming a month takes minutes: no per-query timeout (as the partition maintenance).
  const databases = new ShardDatabases({ ...config, queryTimeoutMs: 0 });
  try {
    const out: T[] = [];
    for (const shard of databases.shardIndexes()) out.push(await each(databases.shard(shard), config.shards[shard].database));
    return out;
  } finally {
    await databases.destroy();
  }
}

/** Exports every cold month of every shard (nothing is dropped): the `mysql` part of `maintain`. */
export async function exportColdMonths(env: Record<string, string | undefined>, now = new Date(), months?: number[]): Promise<ArchiveManifest[]> {
  const settings = archiveSettingsFromEnv(env);
  const manifests = await manifestsUnder(settings.dir);
  const exported = await withShards(env, async (db, database) => {
    const out: ArchiveManifest[] = [];
    for (const month of months ?? (await coldMonthsWithRows(db, firstHotMonth(now, settings.hotMonths)))) {
      const newest = manifests.filter((p) => p.includes(`/${database}/events-${month}-`)).sort().pop();
      // Daily runs export a month once: again only when it changed since (a late event of an old record).
      if (newest && (await partitionUnchanged(db, month, JSON.parse(await readFile(newest, 'utf8')) as ArchiveManifest))) continue;
      const manifest = await exportMonthPartition(db, { database, month, dir: settings.dir, now });
      if (manifest) out.push(manifest);
    }
    return out;
  });
  return exported.flat();
}

/** Every manifest under the archive directory, checked. */
export async function verifyArchives(env: Record<string, string | undefined>): Promise<Array<{ manifest: string; ok: boolean; problems: string[] }>> {
  const { dir } = archiveSettingsFromEnv(env);
  const out: Array<{ manifest: string; ok: boolean; problems: string[] }> = [];
  for (const path of await manifestsUnder(dir)) {
    const check = await verifyArchive(path);
    out.push({ manifest: path, ok: check.ok, problems: check.problems });
  }
  return out;
}

/** Drops one exported month from every shard that has an archive of it (the newest manifest). */
export async function dropMonth(env: Record<string, string | undefined>, month: number, now = new Date()): Promise<Array<{ database: string } & (DropReport | { skipped: string })>> {
  const settings = archiveSettingsFromEnv(env);
  if (month >= firstHotMonth(now, settings.hotMonths)) throw new Error(`${month} is inside the hot window (SHARDLINE_EVENTS_HOT_MONTHS=${settings.hotMonths}): refused`);
  const manifests = await manifestsUnder(settings.dir);
  return withShards(env, async (db, database) => {
    const mine = manifests.filter((p) => p.includes(`/${database}/events-${month}-`)).sort();
    if (mine.length === 0) return { database, skipped: `no archive of ${month} for ${database}: run the export first` };
    return { database, ...(await dropArchivedMonth(db, { manifestPath: mine[mine.length - 1], dir: settings.dir, now })) };
  });
}

async function partitionUnchanged(db: ReturnType<ShardDatabases['shard']>, month: number, manifest: ArchiveManifest): Promise<boolean> {
  const [[row]] = await db.raw(`SELECT COUNT(*) AS n, CAST(MAX(position) AS CHAR) AS max_position FROM events PARTITION (p${month})`);
  return Number(row.n) === manifest.rows && row.max_position === manifest.max_position;
}

async function manifestsUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const database of await readdir(dir).catch(() => [] as string[])) {
    for (const file of await readdir(join(dir, database)).catch(() => [] as string[])) if (file.endsWith('.manifest.json')) out.push(join(dir, database, file));
  }
  return out.sort();
}
