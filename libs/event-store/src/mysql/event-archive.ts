import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import type { Knex } from 'knex';
import { jsonColumn } from './mysql-errors';

export const ARCHIVE_FORMAT = 'shardline-events-archive/1';

/** What an archive file holds and how to check it, written beside it as `<file>.manifest.json`. */
export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  database: string;
  month_key: number;
  partition: string;
  rows: number;
  min_position: string | null;
  max_position: string | null;
  /** SHA-256 of the JSONL text (uncompressed): what the rows were, whatever the compression. */
  content_sha256: string;
  /** The gzip file beside the manifest, its bytes and SHA-256. */
  file: string;
  file_bytes: number;
  file_sha256: string;
  exported_at: string;
}

export interface ArchiveCheck {
  ok: boolean;
  problems: string[];
}

/** One line per event, keys in this order; JSON columns embedded as JSON, times as stored (UTC). */
const COLUMNS = `CAST(position AS CHAR) AS position, month_key, stream_id, stream_version, event_type, schema_version, data, metadata,
  DATE_FORMAT(created_time, '%Y-%m-%d %H:%i:%s.%f') AS created_time`;

interface EventRow {
  position: string;
  month_key: number;
  stream_id: string;
  stream_version: number;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  created_time: string;
}

function lineOf(row: EventRow): string {
  return `${JSON.stringify({
    position: row.position,
    month_key: Number(row.month_key),
    stream_id: row.stream_id,
    stream_version: Number(row.stream_version),
    event_type: row.event_type,
    schema_version: Number(row.schema_version),
    data: jsonColumn(row.data),
    metadata: jsonColumn(row.metadata),
    created_time: row.created_time,
  })}\n`;
}

const PARTITION = (month: number) => `p${month}`;
const DETACHED = (month: number) => `events_detached_${month}`;

/**
 * Exports one monthly partition of a shard's `events` table (pYYYYMM) to
 * `<dir>/<database>/events-YYYYMM-<time>.jsonl.gz` plus its manifest, streaming (memory stays flat
 * whatever the month's size). Read-only for the shard: nothing is deleted (see dropArchivedMonth).
 * Returns undefined when the partition holds no rows.
 */
export async function exportMonthPartition(db: Knex, options: { database: string; month: number; dir: string; now?: Date }): Promise<ArchiveManifest | undefined> {
  return exportRows(db, `SELECT ${COLUMNS} FROM events PARTITION (${PARTITION(assertMonth(options.month))}) ORDER BY position`, options);
}

async function exportRows(db: Knex, sql: string, options: { database: string; month: number; dir: string; now?: Date }): Promise<ArchiveManifest | undefined> {
  const exportedAt = options.now ?? new Date();
  const folder = join(options.dir, options.database);
  await mkdir(folder, { recursive: true });
  const file = `events-${options.month}-${exportedAt.toISOString().replace(/[-:.]/g, '')}.jsonl.gz`;
  const path = join(folder, file);
  const content = createHash('sha256');
  let rows = 0;
  let min: string | null = null;
  let max: string | null = null;
  const lines = new Transform({
    writableObjectMode: true,
    transform(row: EventRow, _enc, done) {
      const line = lineOf(row);
      content.update(line);
      rows++;
      min ??= row.position;
      max = row.position;
      done(null, line);
    },
  });
  await pipeline(db.raw(sql).stream() as unknown as Readable, lines, createGzip(), createWriteStream(`${path}.partial`));
  if (rows === 0) {
    await rm(`${path}.partial`, { force: true });
    return undefined;
  }
  await rename(`${path}.partial`, path);
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    database: options.database,
    month_key: options.month,
    partition: PARTITION(options.month),
    rows,
    min_position: min,
    max_position: max,
    content_sha256: content.digest('hex'),
    file,
    file_bytes: (await stat(path)).size,
    file_sha256: await sha256OfFile(path),
    exported_at: exportedAt.toISOString(),
  };
  await writeFile(`${path}.manifest.json.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${path}.manifest.json.partial`, `${path}.manifest.json`);
  return manifest;
}

/** Re-reads an archive: file size and SHA-256, then every line (valid JSON, count, content SHA-256). */
export async function verifyArchive(manifestPath: string): Promise<ArchiveCheck & { manifest: ArchiveManifest }> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ArchiveManifest;
  const problems: string[] = [];
  const path = join(dirname(manifestPath), manifest.file);
  if (manifest.format !== ARCHIVE_FORMAT) problems.push(`unknown format ${manifest.format}`);
  const size = await stat(path).then((s) => s.size, () => -1);
  if (size < 0) return { ok: false, problems: [`${manifest.file} is missing`], manifest };
  if (size !== manifest.file_bytes) problems.push(`${manifest.file}: ${size} bytes, manifest says ${manifest.file_bytes}`);
  const fileSha = await sha256OfFile(path);
  if (fileSha !== manifest.file_sha256) problems.push(`${manifest.file}: SHA-256 ${fileSha}, manifest says ${manifest.file_sha256}`);
  const content = createHash('sha256');
  let rows = 0;
  // pipeline, not pipe: a damaged file can fail a line's JSON.parse first and then the gunzip
  // stream too; with pipe() that second error had no listener left and crashed the process.
  const gunzip = createGunzip();
  const streamed = pipeline(createReadStream(path), gunzip).then(
    () => null,
    (error: Error) => error,
  );
  try {
    for await (const line of createInterface({ input: gunzip, crlfDelay: Infinity })) {
      JSON.parse(line);
      content.update(`${line}\n`);
      rows++;
    }
  } catch (error) {
    problems.push(`${manifest.file} does not read back: ${(error as Error).message}`);
  } finally {
    gunzip.destroy();
  }
  const streamError = await streamed;
  if (streamError && !problems.some((p) => p.includes('does not read back'))) problems.push(`${manifest.file} does not read back: ${streamError.message}`);
  if (rows !== manifest.rows) problems.push(`${manifest.file}: ${rows} rows, manifest says ${manifest.rows}`);
  const contentSha = content.digest('hex');
  if (contentSha !== manifest.content_sha256) problems.push(`${manifest.file}: content SHA-256 ${contentSha}, manifest says ${manifest.content_sha256}`);
  return { ok: problems.length === 0, problems, manifest };
}

export interface DropReport {
  month_key: number;
  rows: number;
  /** Set when the partition had changed since the export (a late event of an old record): the rows dropped were exported again here first. */
  reExported?: ArchiveManifest;
}

/**
 * Drops an archived month from a shard, never losing a row that is not in a verified archive:
 * 1. the archive must verify (verifyArchive);
 * 2. the partition's rows are moved out in ONE atomic step (EXCHANGE PARTITION with an empty
 *    table `events_detached_YYYYMM`), so writers can no longer add to what is being dropped (a
 *    late event of an old record lands in the emptied partition and is archived by a later export);
 * 3. the detached rows are serialized again exactly as the export did: same rows and content hash
 *    as the manifest → DROP TABLE; otherwise (the partition changed after the export) they are
 *    exported again, that archive is verified, and then the table is dropped.
 * Resumable: a detached table left by an interrupted run is checked and dropped by the next run
 * (it is never exchanged back, which would swap out the late events).
 */
export async function dropArchivedMonth(db: Knex, options: { manifestPath: string; dir: string; now?: Date }): Promise<DropReport> {
  const check = await verifyArchive(options.manifestPath);
  if (!check.ok) throw new Error(`archive ${basename(options.manifestPath)} does not verify, nothing dropped: ${check.problems.join('; ')}`);
  const { manifest } = check;
  const month = assertMonth(manifest.month_key);
  const detached = DETACHED(month);
  const [[exists]] = await db.raw('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [detached]);
  if (Number(exists.n) === 0) {
    await db.raw(`CREATE TABLE ${detached} LIKE events`);
    await db.raw(`ALTER TABLE ${detached} REMOVE PARTITIONING`);
    await db.raw(`ALTER TABLE events EXCHANGE PARTITION ${PARTITION(month)} WITH TABLE ${detached}`);
  }
  const sql = `SELECT ${COLUMNS} FROM ${detached} ORDER BY position`;
  const again = createHash('sha256');
  let rows = 0;
  for await (const row of db.raw(sql).stream() as AsyncIterable<EventRow>) {
    again.update(lineOf(row));
    rows++;
  }
  let reExported: ArchiveManifest | undefined;
  if (rows !== manifest.rows || again.digest('hex') !== manifest.content_sha256) {
    reExported = await exportRows(db, sql, { database: manifest.database, month, dir: options.dir, now: options.now });
    if (reExported) {
      const recheck = await verifyArchive(join(options.dir, manifest.database, `${reExported.file}.manifest.json`));
      if (!recheck.ok) throw new Error(`the re-export of ${detached} does not verify, ${detached} kept: ${recheck.problems.join('; ')}`);
    }
  }
  const kept = reExported ?? manifest;
  await db.raw(ARCHIVES_TABLE_DDL);
  await db.raw('INSERT INTO event_archives (month_key, archive_file, `rows`, content_sha256, dropped_at) VALUES (?, ?, ?, ?, NOW(3))', [month, kept.file, rows, kept.content_sha256]);
  await db.raw(`DROP TABLE ${detached}`);
  return { month_key: month, rows, ...(reExported ? { reExported } : {}) };
}

/**
 * Months whose events were dropped from this shard (and where their archive is). Created on first
 * drop rather than by a migration: a shard that never dropped a month has no such table.
 * Event-level tools consult it: a month here has a partial history in `events` (at most the events
 * written after the drop), so `records:rebuild` must not recompute its rows from them.
 */
const ARCHIVES_TABLE_DDL = `CREATE TABLE IF NOT EXISTS event_archives (
  month_key MEDIUMINT UNSIGNED NOT NULL,
  archive_file VARCHAR(255) NOT NULL,
  \`rows\` BIGINT UNSIGNED NOT NULL,
  content_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  dropped_at DATETIME(3) NOT NULL,
  PRIMARY KEY (month_key, dropped_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

export async function archivedMonths(db: Knex): Promise<number[]> {
  const [[exists]] = await db.raw(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'event_archives'`);
  if (Number(exists.n) === 0) return [];
  const [rows] = await db.raw('SELECT DISTINCT month_key FROM event_archives ORDER BY month_key');
  return (rows as Array<{ month_key: number }>).map((r) => Number(r.month_key));
}

/** Monthly partitions (pYYYYMM) before `firstHotMonth` that hold rows: what an export pass archives. */
export async function coldMonthsWithRows(db: Knex, firstHotMonth: number): Promise<number[]> {
  const [rows] = await db.raw(
    `SELECT PARTITION_NAME AS name, TABLE_ROWS AS approx FROM information_schema.PARTITIONS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'events' AND PARTITION_NAME REGEXP '^p[0-9]{6}$'`,
  );
  const months = (rows as Array<{ name: string }>).map((r) => Number(r.name.slice(1))).filter((m) => m < firstHotMonth).sort((a, b) => a - b);
  const out: number[] = [];
  // TABLE_ROWS is an estimate (0 for a small fresh partition): ask the partition itself.
  for (const month of months) {
    const [[one]] = await db.raw(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM events PARTITION (${PARTITION(month)}) LIMIT 1) AS x`);
    if (Number(one.n) > 0) out.push(month);
  }
  return out;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function assertMonth(month: number): number {
  if (!Number.isInteger(month) || month < 197001 || month > 299912 || month % 100 < 1 || month % 100 > 12) throw new Error(`not a month key YYYYMM: ${month}`);
  return month;
}
