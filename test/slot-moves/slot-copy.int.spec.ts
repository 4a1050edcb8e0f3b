import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { monthKeyOf } from '@shardline/event-store';
import { firstIdAt } from '@shardline/ids';
import { slotOf } from '@shardline/sharding';
import { revokeSlots, ShardDatabases } from '@shardline/sharding/mysql';
import { type CatchUpCursor, catchUpCursorAfter, type CopyCursor, type DeleteCursor, SlotOwnedError } from '@shardline/slot-moves';
import { catchUpChunk, copyChunk, deleteSlotRows, EVENT_COPY_COLUMNS, EVENT_SLOT, RECORD_COPY_COLUMNS, RECORD_SLOT, verifySlots } from '@shardline/slot-moves/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { businessInSlot, HeldAppend, RecordWriter } from './support/slot-move-fixture';

const SOURCE = 0;
const TARGET = 1;

/**
 * The copy engine of a slot move (docs/adr/0008, 4.2–4.4) between two real shards, fed through the
 * real command path (sealed events, the inline `records` table): backfill in small chunks with a
 * chunk run twice (a crash before its cursor was saved), catch-up while writes go on — including a
 * transaction holding a position it has not committed yet — verify, and the chunked delete.
 */
describe('slot copy: backfill, gap-safe catch-up, verify, delete', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let writer: RecordWriter;
  let source: Knex;
  let target: Knex;
  // Three moved slots (all on shard 0 of 2), two businesses each; two businesses of shard 0 that stay.
  const moved = [10, 500, 4094];
  const businesses = moved.flatMap((slot) => [businessInSlot(slot), businessInSlot(slot)]);
  const staying = [businessInSlot(12), businessInSlot(2000)];
  // The target's own data (slot 11: shard 1 of 2), which no delete of the moved slots may touch.
  const targetOwn = businessInSlot(11);
  const erasedUser = String(7_000_000 + Math.floor(Math.random() * 1e6));
  const live: Array<{ id: string; businessId: string }> = [];
  let copyCursor: CopyCursor;
  let cursor: CatchUpCursor;

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

  // JSON columns as text: the copy must keep their bytes, not just their meaning. `slot` as the row's
  // slot: HeldAppend writes its rows without one (a row from before shard migration 0010), and the
  // copy fills it on the target.
  const text = (columns: readonly string[], slotOfRow: string) =>
    columns.map((c) => (['data', 'metadata', 'data_content'].includes(c) ? `CAST(${c} AS CHAR) AS ${c}` : c === 'slot' ? `${slotOfRow} AS slot` : c)).join(', ');
  const eventsOf = (db: Knex, businessIds: string[]) =>
    db('events').whereRaw(`JSON_VALUE(data, '$.business_id') IN (${businessIds.map(() => '?').join(',')})`, businessIds).orderBy(['stream_id', 'stream_version']).select(db.raw(text(EVENT_COPY_COLUMNS, EVENT_SLOT)));
  const recordsOf = (db: Knex, businessIds: string[]) => db('records').whereIn('business_id', businessIds).orderBy('id').select(db.raw(text(RECORD_COPY_COLUMNS, RECORD_SLOT)));
  const expectSameRows = async (businessIds: string[]) => {
    expect(await eventsOf(target, businessIds)).toEqual(await eventsOf(source, businessIds));
    expect(await recordsOf(target, businessIds)).toEqual(await recordsOf(source, businessIds));
    // Copies carry their slot, also of source rows that had none (HeldAppend's).
    const [nulls] = await target.raw('SELECT (SELECT COUNT(*) FROM events WHERE slot IS NULL) + (SELECT COUNT(*) FROM records WHERE slot IS NULL) AS n');
    expect(Number((nulls as Array<{ n: number | string }>)[0].n)).toBe(0);
  };

  it('the SQL slot of a business id is slotOf (crc32 of its UTF-8 bytes % 4096), for events (inside data) and records', async () => {
    const ids = [
      ...Array.from({ length: 3000 }, (_, i) => `biz-${randomUUID()}-${i}`),
      ...['é', 'ünïcødé-商业', '🚀 rocket', "quote'd", 'dq"uote', 'back\\slash', 'tab\tand\nnewline', ' spaced ', 'x'.repeat(64), '?', '%_'],
    ];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const [rows] = await source.raw(
        batch.map(() => `SELECT CRC32(JSON_VALUE(?, '$.business_id')) % 4096 AS from_data, CRC32(CONVERT(? USING utf8mb4)) % 4096 AS from_column`).join(' UNION ALL '),
        batch.flatMap((id) => [JSON.stringify({ id: '1', business_id: id }), id]),
      );
      const got = (rows as Array<{ from_data: number; from_column: number }>).map((r) => [Number(r.from_data), Number(r.from_column)]);
      expect(got).toEqual(batch.map((id) => [slotOf(id), slotOf(id)]));
    }
  });

  it('the copy keeps every column of events but position and staged_by, and every column of records', async () => {
    const columns = async (table: string) =>
      ((await source.raw(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [table]))[0] as Array<{ c: string }>).map((r) => r.c);
    expect(new Set(await columns('events'))).toEqual(new Set(['position', 'staged_by', ...EVENT_COPY_COLUMNS]));
    expect(new Set(await columns('records'))).toEqual(new Set(RECORD_COPY_COLUMNS));
  });

  it('backfill: several months, updates, deletions and a sealed, erased user, copied in small chunks with a chunk run twice; other slots stay behind', async () => {
    for (const [i, businessId] of [...businesses, ...staying].entries()) {
      for (const month of [-2, 0, 1]) {
        for (let n = 0; n < 4; n++) live.push(await writer.create(businessId, n === 0 && i % 2 === 0 ? erasedUser : String(100 + n), month, { i, month, n, note: "it's \"quoted\" ?", big: 12345678901234567890123 }));
      }
    }
    for (const [n, record] of live.entries()) {
      if (n % 3 === 0) await writer.update(record, { updated: n });
      if (n % 5 === 0) await writer.remove(record);
    }
    await writer.keys.forget(erasedUser);
    for (let n = 0; n < 5; n++) await writer.create(targetOwn, '100', 0);
    // Three month partitions hold the slots' events (p_before: two months back).
    const [parts] = await source.raw(`SELECT DISTINCT month_key FROM events`);
    expect((parts as unknown[]).length).toBe(3);

    let result = await copyChunk(source, target, moved, null, { settleMs: 300 });
    expect(result).toMatchObject({ rowsCopied: 0, done: false, waitMs: 300 });
    // Written after the observation: the catch-up's, not the backfill's.
    const late = await writer.create(businesses[0], '100');
    live.push(late);
    await new Promise((resolve) => setTimeout(resolve, 350));
    let calls = 0;
    let copied = 0;
    while (!result.done) {
      const before = result.cursor;
      result = await copyChunk(source, target, moved, before, { chunkRows: 7, scanRows: 40, settleMs: 300 });
      copied += result.rowsCopied;
      if (++calls === 5) {
        // The worker died before saving the cursor: the same chunk runs again and writes nothing new.
        const [{ n }] = await target('events').count({ n: '*' });
        const again = await copyChunk(source, target, moved, before, { chunkRows: 7, scanRows: 40, settleMs: 300 });
        expect(again.cursor).toEqual(result.cursor);
        expect((await target('events').count({ n: '*' }))[0].n).toBe(n);
      }
    }
    expect(calls).toBeGreaterThan(20);
    expect(copied).toBeGreaterThan(0);
    copyCursor = result.cursor;
    expect(Object.values(copyCursor.partitions).every((p) => p.done)).toBe(true);
    // Everything is there byte for byte (sealed data included) but the late record's event, the
    // catch-up's (its records row was copied: the records pass reads rows as they are); nothing of
    // other slots, no outbox rows.
    expect(await target('events').where({ stream_id: `record-${late.id}` }).first()).toBeUndefined();
    const withoutLate = async (db: Knex) => (await eventsOf(db, businesses)).filter((e: { stream_id: string }) => e.stream_id !== `record-${late.id}`);
    expect(await withoutLate(target)).toEqual(await withoutLate(source));
    expect(await recordsOf(target, businesses)).toEqual(await recordsOf(source, businesses));
    expect(await eventsOf(target, staying)).toEqual([]);
    expect(await target('outbox').whereIn('partition_key', businesses).first()).toBeUndefined();
    const sealed = await target('events').whereRaw(`JSON_VALUE(data, '$.user_id') = ?`, [erasedUser]).first(target.raw('CAST(data AS CHAR) AS data'));
    expect(JSON.parse(sealed.data)).toMatchObject({ business_id: expect.any(String), sealed: { alg: 'A256GCM' } });
    expect(JSON.parse(sealed.data)).not.toHaveProperty('data_content');
  });

  it('catch-up while writes go on: a position held by an uncommitted transaction is never skipped; final mode after it rolled back', async () => {
    cursor = catchUpCursorAfter(copyCursor);
    const monthKey = monthKeyOf(new Date());
    const heldId = firstIdAt(new Date(Date.now() - 1000));
    const held = await HeldAppend.open(source, businesses[1], heldId, monthKey);
    for (let n = 0; n < 6; n++) live.push(await writer.create(businesses[n % businesses.length], '100'));
    await writer.update(live[1], { during: 'catch-up' });
    await writer.remove(live[2]);
    live.push(await writer.create(staying[0], '100'));

    const settleMs = 60_000;
    let result;
    let calls = 0;
    const targetRows = async () => [(await target('events').count({ n: '*' }))[0].n, (await target('records').count({ n: '*' }))[0].n];
    do {
      const before = cursor;
      result = await catchUpChunk(source, target, moved, before, { chunkRows: 3, scanRows: 20, settleMs });
      cursor = result.cursor;
      if (++calls === 2) {
        // The worker died before saving the cursor: the chunk runs again, to the same cursor, writing nothing new.
        const rows = await targetRows();
        const again = await catchUpChunk(source, target, moved, before, { chunkRows: 3, scanRows: 20, settleMs });
        expect({ ...again.cursor, holes: again.cursor.holes.map((h) => [h.from, h.to]) }).toEqual({ ...cursor, holes: cursor.holes.map((h) => [h.from, h.to]), observations: again.cursor.observations });
        expect(await targetRows()).toEqual(rows);
      }
    } while (result.rowsBehind > 0);
    expect(calls).toBeGreaterThan(2);
    // The held position is a hole, kept (younger than the settle window); everything above it was copied.
    expect(cursor.holes.some((h) => BigInt(h.from) <= BigInt(held.position) && BigInt(h.to) >= BigInt(held.position))).toBe(true);
    expect(await target('events').where({ stream_id: held.streamId }).first()).toBeUndefined();
    expect(result.rowsBehind).toBe(0);
    // Again: still kept, still not copied.
    result = await catchUpChunk(source, target, moved, cursor, { settleMs });
    expect(result.cursor.holes.map((h) => h.from)).toContain(held.position);
    cursor = result.cursor;

    // It commits late: the next chunk reads the hole again and copies it (event and records row).
    await held.commit();
    result = await catchUpChunk(source, target, moved, cursor, { settleMs });
    cursor = result.cursor;
    expect(cursor.holes.some((h) => h.from === held.position)).toBe(false);
    expect(await target('events').where({ stream_id: held.streamId }).first()).toBeDefined();
    expect(await target('records').where({ id: heldId }).first()).toMatchObject({ version: 1 });

    // A second one rolls back: after the revoke barrier, final mode forgets its hole.
    const rolled = await HeldAppend.open(source, businesses[2], firstIdAt(new Date(Date.now() - 2000)), monthKey);
    live.push(await writer.create(businesses[3], '100'));
    result = await catchUpChunk(source, target, moved, cursor, { settleMs });
    cursor = result.cursor;
    expect(cursor.holes.map((h) => h.from)).toContain(rolled.position);
    await rolled.rollback();
    result = await catchUpChunk(source, target, moved, cursor, { settleMs, final: true });
    cursor = result.cursor;
    expect(result.pending).toEqual({ holes: 0, staged: 0 });
    expect(result.rowsBehind).toBe(0);
    await expectSameRows(businesses);
    expect(await eventsOf(target, staying)).toEqual([]);
  });

  it('a hole older than the settle window is forgotten after one more read (a rolled-back position)', async () => {
    const rolled = await HeldAppend.open(source, businesses[4], firstIdAt(new Date(Date.now() - 3000)), monthKeyOf(new Date()));
    live.push(await writer.create(businesses[5], '100'));
    let result = await catchUpChunk(source, target, moved, cursor, { settleMs: 400 });
    expect(result.cursor.holes.map((h) => h.from)).toContain(rolled.position);
    await rolled.rollback();
    await new Promise((resolve) => setTimeout(resolve, 500));
    result = await catchUpChunk(source, target, moved, result.cursor, { settleMs: 400 });
    expect(result.cursor.holes).toEqual([]);
    cursor = result.cursor;
    await expectSameRows(businesses);
  });

  it('a staged event (atomic batch) is not copied while staged, and is once released', async () => {
    const businessId = businesses[0];
    const id = firstIdAt(new Date());
    const monthKey = monthKeyOf(new Date());
    const now = new Date();
    const stream = { streamId: `record-${id}`, partitionMonth: monthKey, partitionKey: businessId };
    await writer.store.appendBatch({
      shard: SOURCE,
      stagedBy: 'ws-slot-copy',
      writes: [
        {
          ...stream,
          expectedVersion: 0,
          state: { op: 'insert', record: { id, businessId, userId: '100', dataContent: { staged: true }, version: 1, createdTime: now, updatedTime: now } },
          events: [{ type: 'RecordCreated', schemaVersion: 1, data: { id, business_id: businessId, user_id: '100', data_content: { staged: true }, created_time: now.toISOString() }, metadata: { eventId: randomUUID(), commandId: randomUUID(), correlationId: 'c', causationId: null, actor: null } }],
        },
      ],
    });
    let result = await catchUpChunk(source, target, moved, cursor, { settleMs: 400 });
    expect(result.pending.staged).toBe(1);
    expect(await target('events').where({ stream_id: stream.streamId }).first()).toBeUndefined();
    await writer.store.releaseStaged(SOURCE, 'ws-slot-copy', [stream]);
    result = await catchUpChunk(source, target, moved, result.cursor, { settleMs: 400 });
    expect(result.pending.staged).toBe(0);
    cursor = result.cursor;
    expect(await target('records').where({ id }).first()).toMatchObject({ staged_by: null, version: 1 });
    await expectSameRows(businesses);
  });

  it('verify: equal sides agree, online (below the settled cursor) and exact; a tampered target row names its slot', async () => {
    expect(await verifySlots(source, target, moved)).toEqual({ mismatches: [], recordsCompared: true });
    // Written after the cursor: the online verify does not count it on either side.
    await writer.create(businesses[0], '100');
    expect(await verifySlots(source, target, moved, { below: { cursor, settleMs: 0 } })).toEqual({ mismatches: [], recordsCompared: false });
    const exact = await verifySlots(source, target, moved);
    expect(exact.mismatches.map((m) => [m.slot, m.table])).toEqual([
      [slotOf(businesses[0]), 'events'],
      [slotOf(businesses[0]), 'records'],
    ]);
    cursor = (await catchUpChunk(source, target, moved, cursor, { final: true })).cursor;
    expect((await verifySlots(source, target, moved)).mismatches).toEqual([]);

    const victim = await target('events').whereRaw(`JSON_VALUE(data, '$.business_id') = ?`, [businesses[3]]).orderBy('position').first('position', 'month_key');
    await target('events').where(victim).update({ stream_version: 9999 });
    const tampered = await verifySlots(source, target, moved);
    expect(tampered.mismatches).toEqual([
      { slot: slotOf(businesses[3]), table: 'events', source: expect.objectContaining({ count: expect.any(Number) }), target: expect.objectContaining({ count: expect.any(Number) }) },
    ]);
    expect(tampered.mismatches[0].source.count).toBe(tampered.mismatches[0].target.count);
    expect(tampered.mismatches[0].source.checksum).not.toBe(tampered.mismatches[0].target.checksum);
  });

  it('deleteSlotRows: chunked, only the slots given; refused on a shard that owns them; the source after the revoke', async () => {
    const targetOwnRows = [await eventsOf(target, [targetOwn]), await recordsOf(target, [targetOwn])];
    expect(targetOwnRows[0]).toHaveLength(5);
    const stayingOnSource = [await eventsOf(source, staying), await recordsOf(source, staying)];
    expect(stayingOnSource[0].length).toBeGreaterThan(0);
    // With the cursor passed back, or without (every call starts over, and still gets on: a call
    // returns only once it deleted something or finished).
    const drain = async (db: Knex, passCursor: boolean) => {
      let c: DeleteCursor | null = null;
      let calls = 0;
      for (;;) {
        const r = await deleteSlotRows(db, moved, { chunkRows: 7, scanRows: 50, cursor: c });
        calls++;
        if (r.done) return calls;
        if (calls > 1000) throw new Error('no progress');
        if (passCursor) c = r.cursor;
      }
    };
    expect(await drain(target, false)).toBeGreaterThan(5);
    expect(await eventsOf(target, businesses)).toEqual([]);
    expect(await recordsOf(target, businesses)).toEqual([]);
    expect([await eventsOf(target, [targetOwn]), await recordsOf(target, [targetOwn])]).toEqual(targetOwnRows);

    await expect(deleteSlotRows(source, moved)).rejects.toBeInstanceOf(SlotOwnedError);
    await revokeSlots(source, moved);
    await drain(source, true);
    expect(await eventsOf(source, businesses)).toEqual([]);
    expect(await recordsOf(source, businesses)).toEqual([]);
    expect([await eventsOf(source, staying), await recordsOf(source, staying)]).toEqual(stayingOnSource);
  });
});

