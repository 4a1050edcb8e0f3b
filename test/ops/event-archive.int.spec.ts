import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { monthKeyOf } from '@shardline/event-store';
import { dropArchivedMonth, exportMonthPartition, verifyArchive } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { recordsRebuildCommand } from '../../apps/ops-cli/src/verify/records-rebuild.command';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * The event store's cold months: a monthly partition exported to gzip JSONL with a manifest,
 * verified, tampering detected, dropped only from a verified archive and without losing an event
 * written after the export; and what the api answers for a record whose month was archived.
 * (The current month stands in for a cold one: a fresh test database has no named past months.)
 */
describe('event archive (MariaDB)', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;
  let dir: string;
  const month = monthKeyOf(new Date());
  const business = 'archive-biz';
  const ids: string[] = [];
  let manifestPath: string;

  const eventsInPartition = async () => Number((await databases.shard(0).raw(`SELECT COUNT(*) AS n FROM events PARTITION (p${month})`))[0][0].n);
  const linesOf = async (path: string) => {
    const out: Array<Record<string, unknown>> = [];
    for await (const line of createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity })) out.push(JSON.parse(line));
    return out;
  };

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    api = await startApi(dbs.config);
    databases = new ShardDatabases(dbs.config);
    dir = await mkdtemp(join(tmpdir(), 'shardline-archive-'));
    for (let i = 0; i < 5; i++) {
      const created = await api.request('POST', '/api/v1/data/single', { business_id: business, user_id: 100 + i, data_content: { note: `record ${i}` } });
      expectStatus(created, 201);
      ids.push(created.body.id);
    }
    expectStatus(await api.request('PATCH', `/api/v1/data/${business}/${ids[0]}`, { data_content: { note: 'patched' } }), 200);
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exports a month partition to gzip JSONL with a manifest that verifies; the events are there as stored (content sealed)', async () => {
    const database = dbs.config.shards[0].database;
    const manifest = (await exportMonthPartition(databases.shard(0), { database, month, dir }))!;
    expect(manifest).toMatchObject({ database, month_key: month, partition: `p${month}`, rows: 6, format: 'shardline-events-archive/1' });
    manifestPath = join(dir, database, `${manifest.file}.manifest.json`);
    expect(await verifyArchive(manifestPath)).toMatchObject({ ok: true, problems: [] });
    const lines = await linesOf(join(dir, database, manifest.file));
    expect(lines.map((l) => `${l.stream_id}@${l.stream_version}`).sort()).toEqual([...ids.map((id) => `record-${id}@1`), `record-${ids[0]}@2`].sort());
    expect(lines[0]).toMatchObject({ month_key: month, event_type: 'RecordCreated', data: { sealed: { alg: 'A256GCM' } } });
    expect(await eventsInPartition()).toBe(6); // exporting deletes nothing
  });

  it('detects a damaged archive, and refuses to drop from it: nothing is dropped', async () => {
    const damaged = join(dir, 'damaged');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await rm(damaged, { recursive: true, force: true });
    await mkdir(damaged);
    await copyFile(join(dir, manifest.database, manifest.file), join(damaged, manifest.file));
    const bytes = await readFile(join(damaged, manifest.file));
    bytes[bytes.length - 12] ^= 0xff;
    await writeFile(join(damaged, manifest.file), bytes);
    await writeFile(join(damaged, `${manifest.file}.manifest.json`), JSON.stringify(manifest));
    const check = await verifyArchive(join(damaged, `${manifest.file}.manifest.json`));
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toMatch(/SHA-256/);
    await expect(dropArchivedMonth(databases.shard(0), { manifestPath: join(damaged, `${manifest.file}.manifest.json`), dir })).rejects.toThrow(/does not verify, nothing dropped/);
    expect(await eventsInPartition()).toBe(6);
  });

  it('drops the month only after checking the rows against the archive; an event written after the export is archived again first, never lost', async () => {
    expectStatus(await api.request('PATCH', `/api/v1/data/${business}/${ids[1]}`, { data_content: { note: 'after the export' } }), 200);
    const report = await dropArchivedMonth(databases.shard(0), { manifestPath, dir });
    expect(report).toMatchObject({ month_key: month, rows: 7, reExported: { rows: 7 } });
    expect(await eventsInPartition()).toBe(0);
    const again = join(dir, dbs.config.shards[0].database, `${report.reExported!.file}.manifest.json`);
    expect((await verifyArchive(again)).ok).toBe(true);
    expect((await linesOf(join(dir, dbs.config.shards[0].database, report.reExported!.file))).map((l) => `${l.stream_id}@${l.stream_version}`)).toContain(`record-${ids[1]}@2`);
    const [tables] = await databases.shard(0).raw(`SHOW TABLES LIKE 'events_detached_%'`);
    expect(tables).toHaveLength(0);
  });

  it('a record whose month was archived still reads from the records table (current state), can still be written, and its new events land in the emptied partition', async () => {
    const read = await api.request('GET', `/api/v1/data/${business}/${ids[0]}`);
    expectStatus(read, 200);
    expect(read.body).toMatchObject({ id: ids[0], version: 2, data_content: { note: 'patched' } });
    const page = await api.request('GET', `/api/v1/data/page?business_id=${business}&page_size=10`);
    expectStatus(page, 200);
    expect(page.body.data).toHaveLength(5);
    const patched = await api.request('PATCH', `/api/v1/data/${business}/${ids[0]}`, { data_content: { note: 'after the drop' } });
    expectStatus(patched, 200);
    expect(patched.body.version).toBe(3);
    expect(await eventsInPartition()).toBe(1);
  });

  it('records:rebuild leaves an archived month alone (its history is in the archive): the live rows stay as they are', async () => {
    const env = { SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() };
    const { reports } = await recordsRebuildCommand({ batchMax: 1000, json: false }, env);
    expect(reports[0]).toMatchObject({ archivedMonthsSkipped: [month], rows: { deleted: 0, updated: 0 } });
    const read = await api.request('GET', `/api/v1/data/${business}/${ids[2]}`);
    expectStatus(read, 200);
    expect(read.body).toMatchObject({ id: ids[2], version: 1, data_content: { note: 'record 2' } });
  });
});
