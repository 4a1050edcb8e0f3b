import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportEvents } from '@shardline/event-export';
import { isStreamVersionConflict, type StoredEvent } from '@shardline/event-store';
import { MysqlEventImport } from '@shardline/event-store/mysql';
import { CreateRecord, DeleteRecord, UpdateRecord, type RecordStateChange } from '@shardline/records';
import { RecordsInlineProjection } from '@shardline/records-mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { exportCommand } from '../../apps/ops-cli/src/replay/export.command';
import { importCommand } from '../../apps/ops-cli/src/replay/import.command';
import { ctx, recordsInMemory } from '../../libs/records/src/testing/in-memory-records.spec-helper';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { businessOnShard } from '../support/business-on-shard';
import { slotOf } from '@shardline/sharding';
import { revokeSlots } from '@shardline/sharding/mysql';

/** Traffic through the real command handlers (in memory, the default modulo slot map), recorded as JSONL. */
async function traffic(records: number) {
  // Every recordsInMemory() mints ids as Snowflake worker 3 from sequence 0: a millisecond apart, two traffics never share an id.
  await new Promise((resolve) => setTimeout(resolve, 2));
  const h = recordsInMemory();
  const ids: Array<{ business: string; id: string }> = [];
  for (let i = 0; i < records; i++) {
    const business = `imp-${['acme', 'globex', 'initech', 'umbrella', 'hooli'][i % 5]}`;
    const { response } = await h.create.execute(new CreateRecord({ businessId: business, userId: String(100 + i), dataContent: { n: i, note: `it's "quoted"\n` } }, ctx()));
    ids.push({ business, id: response.id });
  }
  await h.update.execute(new UpdateRecord({ businessId: ids[0].business, recordId: ids[0].id, patch: { touched: true } }, ctx()));
  await h.update.execute(new UpdateRecord({ businessId: ids[0].business, recordId: ids[0].id, patch: { again: 1 } }, ctx()));
  await h.remove.execute(new DeleteRecord({ businessId: ids[1].business, recordId: ids[1].id }, ctx()));
  let text = '';
  await exportEvents(h.store, [0, 1, 2, 3], {}, async (page) => void (text += page));
  return { h, ids, text };
}

describe('npm run cli -- import: a JSONL recording into the MySQL event store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shardline-import-'));
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  const env = (d: TestDatabases) => ({ ...process.env, SHARDLINE_SHARDS: d.shardUrls(), SHARDLINE_CONTROL_URL: d.controlUrl() });
  const run = async (d: TestDatabases, ...args: string[]) => {
    const lines: string[] = [];
    const code = await importCommand(args, env(d), (l) => lines.push(l));
    return { code, output: lines.join('\n') };
  };
  const recordRows = async (db: ShardDatabases) => {
    const rows: unknown[] = [];
    for (const shard of db.shardIndexes()) {
      const [found] = await db.shard(shard).raw('SELECT id, business_id, user_id, data_content, version, created_time, updated_time, staged_by FROM records ORDER BY id');
      for (const r of found as Array<Record<string, unknown>>) rows.push({ shard, ...r, id: String(r.id), user_id: String(r.user_id), data_content: typeof r.data_content === 'string' ? JSON.parse(r.data_content) : r.data_content });
    }
    return rows;
  };
  const count = async (db: ShardDatabases, table: string) => {
    let n = 0;
    for (const shard of db.shardIndexes()) n += Number((await db.shard(shard)(table).count({ n: '*' }))[0].n);
    return n;
  };

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('imports every event on its slot-map shard with its records row; export → import → export is byte-identical; a second import writes nothing and says so', async () => {
    const { h, ids, text } = await traffic(30);
    const file = join(dir, 'traffic.jsonl');
    writeFileSync(file, text);

    expect(await run(dbs, file)).toEqual({ code: 0, output: expect.stringMatching(/^imported 33 of 33 events \(30 streams; 0 already in the store\) from .*: shard \d: \d+ \(positions kept\)/) });
    const again = join(dir, 'again.jsonl');
    expect(await exportCommand(['--out', again], env(dbs))).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(text);

    // The records rows are the write side's: compared with the rows the in-memory handlers kept.
    const rows = await recordRows(databases);
    expect(rows).toHaveLength(29);
    for (const { business, id } of ids.filter((_, i) => i !== 1)) {
      const shard = h.router.shardFor(business);
      const expected = (await h.state.get(shard, business, id))!;
      expect(rows).toContainEqual({ shard, id, business_id: business, user_id: expected.userId, data_content: expected.dataContent, version: expected.version, created_time: expected.createdTime, updated_time: expected.updatedTime, staged_by: null });
    }
    // History, not new traffic: nothing queued for the relay.
    expect(await count(databases, 'outbox')).toBe(0);

    expect(await run(dbs, file)).toEqual({ code: 0, output: `nothing to import: the store already holds all 33 events of ${file} (30 streams)` });
    expect(await count(databases, 'events')).toBe(33);
  });

  it('refuses a stream whose version the store holds as another event, naming the line, before writing any stream of the file', async () => {
    const { text } = await traffic(3);
    const held = readFileSync(join(dir, 'traffic.jsonl'), 'utf8').split('\n')[0];
    const conflicting = { ...JSON.parse(held), event_id: 'not-the-same-event' };
    const file = join(dir, 'conflict.jsonl');
    writeFileSync(file, `${text}${JSON.stringify(conflicting)}\n`);
    const before = await count(databases, 'events');
    await expect(run(dbs, file)).rejects.toThrow(new RegExp(`^line 7: stream ${conflicting.stream_id}: version 1 is held by another event in the store`));
    expect(await count(databases, 'events')).toBe(before);
  });

  it('refuses a bad line, naming the line number and the field', async () => {
    const lines = readFileSync(join(dir, 'traffic.jsonl'), 'utf8').split('\n');
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${lines[0]}\n${JSON.stringify({ ...JSON.parse(lines[1]), record_id: 'x' })}\n`);
    await expect(run(dbs, file)).rejects.toThrow(/^line 2: invalid event envelope: record_id:/);
  });

  it('a stream that gained a version after the import read it is refused whole, and the rest of its transaction with it', async () => {
    const target = new MysqlEventImport<RecordStateChange>(databases, new RecordsInlineProjection());
    const { text } = await traffic(3);
    const [line] = text.split('\n');
    const envelope = JSON.parse(line);
    const shard = 0;
    const stored = (await target.readStream(envelope.shard, envelope.stream_id)) as StoredEvent[];
    expect(stored).toEqual([]);
    const event = { type: envelope.event_type, schemaVersion: 1, data: envelope.data, metadata: { eventId: 'e-race', commandId: 'c', correlationId: 'c', causationId: null, actor: null }, createdTime: new Date(), position: null };
    const fresh = { streamId: 'record-race-1', partitionMonth: 202612, partitionKey: businessOnShard(shard), expectedVersion: 0, events: [{ ...event, streamVersion: 1 }], state: null };
    await target.importStreams(shard, [fresh], { outbox: false });
    // The importer read 'record-race-1' at version 0 and another at 0; meanwhile the first gained version 1.
    const other = { ...fresh, streamId: 'record-race-2' };
    const error = await target.importStreams(shard, [other, fresh], { outbox: true }).catch((e: unknown) => e);
    expect(isStreamVersionConflict(error)).toBe(true);
    expect(await target.readStream(shard, 'record-race-2')).toEqual([]);
    expect(await target.readStream(shard, 'record-race-1')).toHaveLength(1);
  });

  it('is fenced like an append: a stream of a slot the shard does not own is refused with EVENT_STORE.SLOT_MOVED, and nothing of the call is written', async () => {
    const target = new MysqlEventImport<RecordStateChange>(databases, new RecordsInlineProjection());
    const { text } = await traffic(2);
    const envelope = JSON.parse(text.split('\n')[0]);
    const event = { type: envelope.event_type, schemaVersion: 1, data: envelope.data, metadata: { eventId: 'e-fence', commandId: 'c', correlationId: 'c', causationId: null, actor: null }, createdTime: new Date(), position: null };
    const owned = { streamId: 'record-fence-1', partitionMonth: 202612, partitionKey: businessOnShard(2), expectedVersion: 0, events: [{ ...event, streamVersion: 1 }], state: null };
    // Routed by a map that still names shard 2 for this business, after its slot moved to shard 3.
    const movedBusiness = businessOnShard(2);
    await revokeSlots(databases.shard(2), [slotOf(movedBusiness)]);
    const moved = { ...owned, streamId: 'record-fence-2', partitionKey: movedBusiness };
    const error = await target.importStreams(2, [owned, moved], { outbox: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EVENT_STORE.SLOT_MOVED', slots: expect.arrayContaining([slotOf(movedBusiness)]) });
    expect(await target.readStream(2, 'record-fence-1')).toEqual([]);
    expect(await target.readStream(2, 'record-fence-2')).toEqual([]);
    // The shard's own slots still import.
    await target.importStreams(2, [owned], { outbox: false });
    expect(await target.readStream(2, 'record-fence-1')).toHaveLength(1);
  });

  it('--dry-run writes nothing; --outbox queues every imported event for the relay', async () => {
    const fresh = await createTestDatabases(4);
    const db = new ShardDatabases(fresh.config);
    try {
      const file = join(dir, 'traffic.jsonl');
      expect((await run(fresh, file, '--dry-run')).output).toMatch(/^dry run, nothing written: would import 33 of 33 events/);
      expect(await count(db, 'events')).toBe(0);
      expect((await run(fresh, file, '--outbox')).code).toBe(0);
      expect(await count(db, 'outbox')).toBe(33);
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
