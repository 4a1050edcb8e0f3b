import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { monthKeyOf } from '@shardline/event-store';
import { MysqlEventImport, MysqlEventStore } from '@shardline/event-store/mysql';
import { firstIdAt } from '@shardline/ids';
import type { RecordStateChange } from '@shardline/records';
import { RecordsInlineProjection } from '@shardline/records-mysql';
import { slotOf } from '@shardline/sharding';
import { backfillSlotChunk, heldRowsOfSlots, rowsWithoutSlot, ShardDatabases, type SlotBackfillCursor } from '@shardline/sharding/mysql';
import { type CopyCursor, type DeleteCursor } from '@shardline/slot-moves';
import { catchUpChunk, copyChunk, deleteSlotRows, verifySlots } from '@shardline/slot-moves/mysql';
import { catchUpCursorAfter } from '@shardline/slot-moves';
import { slotsCommand } from '../../apps/ops-cli/src/slots/slots.command';
import * as slotColumns from '../../migrations/shard/0010_slot_columns';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { businessInSlot, RecordWriter } from './support/slot-move-fixture';

const SOURCE = 0;
const TARGET = 1;

/**
 * The `slot` column of `events` and `records` (shard migration 0010; docs/adr/0008 4.2–4.5, 4.9):
 * every writer stores the slot `slotOf` gives (non-ASCII ids included); rows without one (written
 * before the migration) are still found by every reader of a slot's rows — copy, catch-up, verify,
 * the held-rows check, delete — and the back-fill fills them, resumable after a crash.
 */
describe('slot column: written by every writer, NULL rows still found, back-filled', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let writer: RecordWriter;
  let source: Knex;
  let target: Knex;
  // Even slots: shard 0 of 2 (modulo map), moved to shard 1.
  const moved = [4, 1000, 4094];
  const odd = ['商户-42', 'ünïcødé', '🚀 rocket', "quote'd", 'tab\tnl\n', 'x'.repeat(64)];

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    writer = new RecordWriter(databases);
    source = databases.shard(SOURCE);
    target = databases.shard(TARGET);
  });
  afterAll(async () => {
    await writer?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  /** Every row of both tables on `db` whose slot differs from slotOf its business (NULL counts as different). */
  async function wrongSlots(db: Knex): Promise<Array<{ table: string; business: string; slot: number | null }>> {
    const [events] = await db.raw(`SELECT JSON_VALUE(data, '$.business_id') AS business, slot FROM events`);
    const [records] = await db.raw(`SELECT business_id AS business, slot FROM records`);
    const out = [];
    for (const [table, rows] of [['events', events], ['records', records]] as const) {
      for (const r of rows as Array<{ business: string; slot: number | null }>) if (r.slot === null || Number(r.slot) !== slotOf(r.business)) out.push({ table, business: r.business, slot: r.slot });
    }
    return out;
  }

  it('the event store writes the slot of each write into its events and records rows, on the single and the batch path (one command spanning slots)', async () => {
    for (const business of odd) {
      const record = await writer.create(business, '7');
      await writer.update(record, { again: true });
    }
    // A batch part: one command, several streams of different slots; each row gets its own write's slot.
    const store = new MysqlEventStore<RecordStateChange>(databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 1, windowMs: 0, maxInFlight: 1 } });
    const now = new Date();
    const businesses = [businessInSlot(6), businessInSlot(2048), '商户-batch-0'].filter((b) => slotOf(b) % 2 === 0);
    const writes = businesses.map((businessId, i) => {
      const id = (BigInt(firstIdAt(now)) + 17n + BigInt(i)).toString();
      return {
        streamId: `record-${id}`,
        partitionMonth: monthKeyOf(now),
        expectedVersion: 0,
        partitionKey: businessId,
        events: [{ type: 'RecordCreated', schemaVersion: 1, data: { id, business_id: businessId, user_id: '7' }, metadata: { eventId: randomUUID(), commandId: 'batch', correlationId: 'c', causationId: null, actor: null } }],
        state: { op: 'insert' as const, record: { id, businessId, userId: '7', dataContent: {}, version: 1, createdTime: now, updatedTime: now } },
      };
    });
    await store.appendBatch({ shard: SOURCE, writes });
    await store.drain();
    for (const shard of [SOURCE, TARGET]) expect(await wrongSlots(databases.shard(shard))).toEqual([]);
    const [n] = await source.raw(`SELECT COUNT(DISTINCT slot) AS n FROM events WHERE stream_id IN (${writes.map(() => '?').join(',')})`, writes.map((w) => w.streamId));
    expect(Number((n as Array<{ n: number }>)[0].n)).toBe(writes.length);
  });

  it('the JSONL import writes the slot of each stream into its events and records rows', async () => {
    const importer = new MysqlEventImport<RecordStateChange>(databases, new RecordsInlineProjection());
    const now = new Date();
    const streams = ['🚀 imported', 'ïmported-商'].map((businessId, i) => {
      const id = (BigInt(firstIdAt(now)) + 901n + BigInt(i)).toString();
      return {
        streamId: `record-${id}`,
        partitionMonth: monthKeyOf(now),
        partitionKey: businessId,
        expectedVersion: 0,
        events: [{ position: null, streamVersion: 1, createdTime: now, type: 'RecordCreated', schemaVersion: 1, data: { id, business_id: businessId, user_id: '8' }, metadata: { eventId: randomUUID(), commandId: 'imp', correlationId: 'c', causationId: null, actor: null } }],
        state: { op: 'insert' as const, record: { id, businessId, userId: '8', dataContent: {}, version: 1, createdTime: now, updatedTime: now } },
      };
    });
    for (const stream of streams) await importer.importStreams(slotOf(stream.partitionKey) % 2, [stream], { outbox: false });
    for (const shard of [SOURCE, TARGET]) expect(await wrongSlots(databases.shard(shard))).toEqual([]);
    for (const stream of streams) {
      const [rows] = await databases.shard(slotOf(stream.partitionKey) % 2).raw('SELECT slot FROM events WHERE stream_id = ?', [stream.streamId]);
      expect((rows as Array<{ slot: number }>).map((r) => Number(r.slot))).toEqual([slotOf(stream.partitionKey)]);
    }
  });

  it('rows without a slot (written before the migration) are copied with their slot, verified, counted as held and deleted like the others', async () => {
    const businesses = moved.flatMap((slot) => [businessInSlot(slot), businessInSlot(slot)]);
    const records = [];
    for (const b of businesses) for (let n = 0; n < 3; n++) records.push(await writer.create(b, '9'));
    for (const r of records.slice(0, 4)) await writer.update(r, { u: 1 });
    // Half the moving rows lose their slot, as if written by the code before shard migration 0010.
    await source.raw(`UPDATE events SET slot = NULL WHERE position % 2 = 0`);
    await source.raw(`UPDATE records SET slot = NULL WHERE id % 2 = 0`);
    const nullRows = await rowsWithoutSlot(source);
    expect(nullRows.events).toBeGreaterThan(0);
    expect(nullRows.records).toBeGreaterThan(0);

    let copy = await copyChunk(source, target, moved, null, { settleMs: 0 });
    while (!copy.done) copy = await copyChunk(source, target, moved, copy.cursor as CopyCursor, { chunkRows: 5, scanRows: 20, settleMs: 0 });
    // Written after the backfill (a NULL-slot row too): the catch-up's.
    const late = await writer.create(businesses[0], '9');
    await source.raw(`UPDATE events SET slot = NULL WHERE stream_id = ?`, [`record-${late.id}`]);
    let cursor = catchUpCursorAfter(copy.cursor as CopyCursor);
    for (let i = 0; i < 5; i++) cursor = (await catchUpChunk(source, target, moved, cursor, { settleMs: 0, final: true })).cursor;
    expect(await target('events').where({ stream_id: `record-${late.id}` }).first('slot')).toEqual({ slot: slotOf(businesses[0]) });

    expect(await verifySlots(source, target, moved)).toEqual({ mismatches: [], recordsCompared: true });
    // Every copied row has its slot on the target, and the target holds as many rows of the slots as the source.
    expect(await wrongSlots(target)).toEqual([]);
    const [[src], [tgt]] = await Promise.all([source, target].map((db) => db.raw(`SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(data, '$.business_id') IN (${businesses.map(() => '?').join(',')})`, businesses)));
    expect(Number((tgt as Array<{ n: number }>)[0].n)).toBe(Number((src as Array<{ n: number }>)[0].n));
    // The verify sees a row missing on either side whatever its slot column says.
    const [[victim]] = await target.raw(`SELECT position, month_key FROM events WHERE slot = ? ORDER BY position LIMIT 1`, [moved[0]]);
    await target.raw(`UPDATE events SET slot = NULL WHERE position = ? AND month_key = ?`, [victim.position, victim.month_key]);
    expect((await verifySlots(source, target, moved)).mismatches).toEqual([]);

    // Held rows: a staged event and a record locked by a move, both without a slot.
    expect(await heldRowsOfSlots(source, moved)).toBe(0);
    const [[evenEvent]] = await source.raw(`SELECT position, month_key FROM events WHERE slot IS NULL AND JSON_VALUE(data, '$.business_id') = ? LIMIT 1`, [businesses[1]]);
    await source.raw(`UPDATE events SET staged_by = 'ws-null' WHERE position = ? AND month_key = ?`, [evenEvent.position, evenEvent.month_key]);
    const [[nullRecord]] = await source.raw(`SELECT id FROM records WHERE slot IS NULL AND business_id IN (${businesses.map(() => '?').join(',')}) LIMIT 1`, businesses);
    await source.raw(`UPDATE records SET moving_out_by = 'move-null' WHERE id = ?`, [nullRecord.id]);
    expect(await heldRowsOfSlots(source, moved)).toBe(2);
    expect(await heldRowsOfSlots(source, [2])).toBe(0);

    // Delete on the target, NULL-slot rows included (the one made NULL above, and a record).
    await target.raw(`UPDATE records SET slot = NULL WHERE id % 2 = 0`);
    let del: { done: boolean; cursor: DeleteCursor } = { done: false, cursor: { table: 'events', after: '0' } };
    while (!del.done) del = await deleteSlotRows(target, moved, { chunkRows: 4, scanRows: 30, cursor: del.cursor });
    const [[left]] = await target.raw(
      `SELECT (SELECT COUNT(*) FROM events WHERE JSON_VALUE(data, '$.business_id') IN (${businesses.map(() => '?').join(',')})) + (SELECT COUNT(*) FROM records WHERE business_id IN (${businesses.map(() => '?').join(',')})) AS n`,
      [...businesses, ...businesses],
    );
    expect(Number(left.n)).toBe(0);
    // The target's own rows (odd slots, written by the store) stay.
    expect(Number((await target('events').count({ n: '*' }))[0].n)).toBeGreaterThan(0);
  });

  it('the back-fill gives every NULL row its slot in bounded chunks, and one killed midway finishes when started again, each row filled once', async () => {
    await source.raw(`UPDATE events SET slot = NULL`);
    await source.raw(`UPDATE records SET slot = NULL`);
    // An event without a business id: left NULL (no slot to compute), stepped over.
    await source.raw(
      `INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time) VALUES (?, 'other-1', 1, 'Other', 1, '{"x": 1}', '{}', UTC_TIMESTAMP(3))`,
      [monthKeyOf(new Date())],
    );
    const before = await rowsWithoutSlot(source);
    expect(before.events).toBeGreaterThan(10);

    // Three chunks, then the process dies (its cursor is lost).
    let cursor: SlotBackfillCursor | null = null;
    let filled = 0;
    for (let i = 0; i < 3; i++) {
      const chunk = await backfillSlotChunk(source, cursor, { chunkRows: 4 });
      expect(chunk.filled).toBeLessThanOrEqual(4);
      filled += chunk.filled;
      cursor = chunk.cursor;
    }
    expect(filled).toBe(12);
    const midway = await rowsWithoutSlot(source);
    expect(midway.events).toBe(before.events - 12);

    // Started again from nothing: only what is left is filled.
    let unresolved = 0;
    let chunks = 0;
    for (let c: SlotBackfillCursor | null = null, done = false; !done; chunks++) {
      const chunk = await backfillSlotChunk(source, c, { chunkRows: 4 });
      filled += chunk.filled;
      unresolved += chunk.unresolved;
      ({ cursor: c, done } = chunk);
    }
    expect(unresolved).toBe(1);
    expect(filled).toBe(before.events - 1 + before.records);
    expect(chunks).toBeGreaterThan(3);
    expect(await rowsWithoutSlot(source)).toEqual({ events: 1, records: 0 });
    expect((await wrongSlots(source)).filter((r) => r.business !== null)).toEqual([]);
    // A second full run has nothing to do.
    const again = await backfillSlotChunk(source, null, { chunkRows: 100 });
    expect(again.filled).toBe(0);
  });

  it('`ops-cli slots backfill` fills every shard (or the one named) and says what is left', async () => {
    await target.raw('UPDATE events SET slot = NULL');
    await target.raw('UPDATE records SET slot = NULL');
    const lines: string[] = [];
    const env = { SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() };
    expect(await slotsCommand(['backfill', '--shard', String(TARGET), '--chunk', '3'], env, (line) => lines.push(line))).toBe(0);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^shard ${TARGET}: [1-9][0-9]* row\\(s\\) given their slot; without a slot now: 0 event\\(s\\), 0 record\\(s\\)$`))]);
    expect(await wrongSlots(target)).toEqual([]);
    const bad: string[] = [];
    expect(await slotsCommand(['backfill', '--chunk', '0'], env, (line) => bad.push(line))).toBe(2);
    expect(bad.join('\n')).toContain('--chunk must be an integer');
  });

  it('migration 0010 runs again without harm, also when interrupted between its statements, and down/up round-trips', async () => {
    await slotColumns.up(source);
    await source.raw('ALTER TABLE records DROP INDEX idx_slot_id');
    await slotColumns.up(source);
    const indexes = async () => ((await source.raw(`SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('events', 'records') AND INDEX_NAME LIKE 'idx_slot%' ORDER BY i`))[0] as Array<{ i: string }>).map((r) => r.i);
    expect(await indexes()).toEqual(['idx_slot_id', 'idx_slot_position']);
    // Down drops the column (the target's slots are gone); up adds it back, every row NULL until a back-fill.
    await slotColumns.down(target);
    await slotColumns.up(target);
    const [[{ n }]] = await target.raw('SELECT COUNT(*) AS n FROM events');
    expect(await rowsWithoutSlot(target)).toMatchObject({ events: Number(n) });
  });
});
