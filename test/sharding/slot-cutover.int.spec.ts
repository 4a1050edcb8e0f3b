import { randomUUID } from 'node:crypto';
import { AppendCommand, monthKeyOf } from '@shardline/event-store';
import { MysqlEventStore, MysqlInlineProjection } from '@shardline/event-store/mysql';
import { outboxRowsOfSlots } from '@shardline/outbox-relay/mysql';
import { slotOf, SlotMapWatcher } from '@shardline/sharding';
import {
  flipSlots,
  grantSlots,
  heldSlots,
  MysqlSlotMapStore,
  ownedSlots,
  regrantSource,
  releasePublishHold,
  revokeSlots,
  ShardDatabases,
  slotOwnershipOf,
  heldRowsOfSlots,
} from '@shardline/sharding/mysql';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

/** One event of a new stream of `businessId`, carrying business_id in its data as record events do. */
function create(shard: number, businessId: string, stagedBy?: string): AppendCommand {
  return {
    shard,
    writes: [
      {
        streamId: `s-${randomUUID()}`,
        partitionMonth: monthKeyOf(new Date()),
        expectedVersion: 0,
        partitionKey: businessId,
        state: null,
        events: [{ type: 'Created', schemaVersion: 1, data: { business_id: businessId }, metadata: { eventId: randomUUID(), commandId: randomUUID(), correlationId: 'c', causationId: null, actor: null } }],
      },
    ],
    stagedBy,
  };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

describe('slot move cutover primitives (docs/adr/0008 4.5, 4.6)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let store: MysqlEventStore<unknown>;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    store = new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 10, windowMs: 0, maxInFlight: 1 } });
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  const epochOn = async (shard: number, slot: number) => (await ownedSlots(databases.shard(shard))).find((o) => o.slot === slot)?.epoch ?? null;

  it('the SQL slot formulas (events data.business_id, outbox partition_key, records business_id) equal slotOf, non-ASCII ids included', async () => {
    const ids = ['plain-1', 'Zürich-Ünïcødé', '東京-42', 'emoji-😀', `biz-${randomUUID()}`];
    const db = databases.shard(0);
    for (const id of ids) {
      const [rows] = await db.raw(`SELECT CRC32(JSON_VALUE(?, '$.business_id')) % 4096 AS from_json, CRC32(CAST(? AS CHAR CHARACTER SET utf8mb4)) % 4096 AS from_text`, [JSON.stringify({ business_id: id }), id]);
      expect({ id, json: Number(rows[0].from_json), text: Number(rows[0].from_text) }).toEqual({ id, json: slotOf(id), text: slotOf(id) });
    }
    // Through the real tables: an event and its outbox row of a non-ASCII business.
    const businessId = `Zürich-${randomUUID().slice(0, 6)}`;
    const owner = slotOf(businessId) % 4; // the modulo map migrate seeds
    expect(await store.append(create(owner, businessId))).toEqual({ kind: 'appended' });
    expect(await outboxRowsOfSlots(databases.shard(owner), [slotOf(businessId)])).toBe(1);
    const [rows] = await databases.shard(owner).raw(`SELECT CRC32(JSON_VALUE(e.data, '$.business_id')) % 4096 AS e, CRC32(o.partition_key) % 4096 AS o FROM events e JOIN outbox o USING (stream_id, stream_version, month_key) WHERE o.partition_key = ?`, [businessId]);
    expect(rows.map((r: { e: number; o: number }) => [Number(r.e), Number(r.o)])).toEqual([[slotOf(businessId), slotOf(businessId)]]);
  });

  it('grant at an epoch is idempotent, raises an older row, and a stale (lower) epoch is refused without writing', async () => {
    const slot = slotOf(businessOnShard(1));
    const db = databases.shard(2);
    expect(await grantSlots(db, [slot], 2, { publishHold: true })).toBe(1);
    expect(await heldSlots(db)).toEqual([slot]);
    // The hand-off cleared the hold; a late re-run of the same grant must not put it back.
    expect(await releasePublishHold(db, [slot])).toBe(1);
    expect(await releasePublishHold(db, [slot])).toBe(0);
    expect(await grantSlots(db, [slot], 2, { publishHold: true })).toBe(0);
    expect(await heldSlots(db)).toEqual([]);
    const other = slotOf(businessOnShard(1));
    const refused = await failure(grantSlots(db, [other, slot], 1));
    expect(refused).toMatchObject({ code: 'SLOT_MOVE.EPOCH_CONFLICT', kind: 'conflict', retriable: false, slots: [slot] });
    expect(await epochOn(2, other)).toBeNull();
    expect(await epochOn(2, slot)).toBe(2);
    expect(await grantSlots(db, [slot], 5)).toBe(1);
    expect(await epochOn(2, slot)).toBe(5);
    // One epoch per slot, in the order of the slots (a move group's epochs).
    expect(await grantSlots(db, [other, slot], [3, 6])).toBe(2);
    expect([await epochOn(2, other), await epochOn(2, slot)]).toEqual([3, 6]);
    await revokeSlots(db, [slot, other]);
  });

  it('rollback R: a revoked slot refuses writes (EVENT_STORE.SLOT_MOVED) and takes them again once re-granted at its old epoch', async () => {
    const businessId = businessOnShard(3);
    const slot = slotOf(businessId);
    expect(await revokeSlots(databases.shard(3), [slot])).toBe(1);
    expect(await failure(store.append(create(3, businessId)))).toMatchObject({ code: 'EVENT_STORE.SLOT_MOVED', shard: 3, slots: [slot] });
    // The target's grant is deleted first (R), then the source re-granted; re-running R changes nothing.
    await grantSlots(databases.shard(0), [slot], 2, { publishHold: true });
    await revokeSlots(databases.shard(0), [slot]);
    expect(await regrantSource(databases.shard(3), [slot], 1)).toBe(1);
    expect(await regrantSource(databases.shard(3), [slot], 1)).toBe(0);
    expect(await epochOn(3, slot)).toBe(1);
    expect(await heldSlots(databases.shard(3))).toEqual([]);
    expect(await store.append(create(3, businessId))).toEqual({ kind: 'appended' });
    expect(await failure(store.append(create(0, businessId)))).toMatchObject({ code: 'EVENT_STORE.SLOT_MOVED', shard: 0 });
  });

  it('heldRowsOfSlots counts the staged rows of an atomic batch until they are released, and only of the asked slots', async () => {
    const businessId = businessOnShard(1);
    const slot = slotOf(businessId);
    const writeSet = `ws-${randomUUID()}`;
    const staged = create(1, businessId, writeSet);
    expect(await store.appendBatch(staged)).toEqual({ kind: 'appended' });
    expect(await store.append(create(1, businessId))).toEqual({ kind: 'appended' });
    expect(await heldRowsOfSlots(databases.shard(1), [slot])).toBe(1);
    expect(await heldRowsOfSlots(databases.shard(1), [(slot + 4) % 4096])).toBe(0);
    // A staged records row (a staged insert) counts too.
    await databases.shard(1).raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time, staged_by) VALUES (?, ?, 1, '{}', 1, NOW(3), NOW(3), ?)`, [
      Date.now() * 1000 + Math.floor(Math.random() * 1000),
      businessId,
      writeSet,
    ]);
    expect(await heldRowsOfSlots(databases.shard(1), [slot])).toBe(2);
    await databases.shard(1).raw('UPDATE records SET staged_by = NULL WHERE staged_by = ?', [writeSet]);
    const streams = staged.writes.map((w) => ({ streamId: w.streamId, partitionMonth: w.partitionMonth, partitionKey: w.partitionKey }));
    expect(await store.releaseStaged(1, writeSet, streams)).toBe(1);
    expect(await heldRowsOfSlots(databases.shard(1), [slot])).toBe(0);
  });

  it('outboxRowsOfSlots counts the unpublished outbox rows of the slots only (the hand-off waits for 0)', async () => {
    const businessId = businessOnShard(2);
    const slot = slotOf(businessId);
    const before = await outboxRowsOfSlots(databases.shard(2), [slot]);
    for (let i = 0; i < 3; i++) expect(await store.append(create(2, businessId))).toEqual({ kind: 'appended' });
    expect(await outboxRowsOfSlots(databases.shard(2), [slot])).toBe(before + 3);
    await databases.shard(2).raw('DELETE FROM outbox WHERE partition_key = ?', [businessId]);
    expect(await outboxRowsOfSlots(databases.shard(2), [slot])).toBe(0);
  });

  it('flip: conditioned on the planned epochs, idempotent once done, bumping the version a SlotMapWatcher sees', async () => {
    const control = new MysqlSlotMapStore(databases.control);
    const slots = [slotOf(businessOnShard(0)), slotOf(businessOnShard(0))].filter((s, i, all) => all.indexOf(s) === i);
    const watcher = new SlotMapWatcher(control, () => {}, { pollMs: 50 });
    await watcher.start();
    try {
      const version = await control.version();
      const planned = await slotOwnershipOf(databases.control, slots);
      const epochs = new Map(planned.map((o) => [o.slot, o.epoch]));
      for (const slot of slots) await grantSlots(databases.shard(1), [slot], epochs.get(slot)! + 1, { publishHold: true });
      const flipped = await flipSlots(databases.control, slots, 1, slots.map((slot) => epochs.get(slot)!));
      expect(flipped).toEqual({ flipped: true, version: version + 1, ownership: planned.map((o) => ({ slot: o.slot, shard: 1, epoch: o.epoch + 1 })) });
      await waitFor('the watcher to load the flipped map', () => watcher.version === version + 1, { timeoutMs: 5000 });
      // Re-run after success: reported done, nothing bumped.
      expect(await flipSlots(databases.control, slots, 1, epochs)).toEqual({ ...flipped, flipped: false });
      expect(await control.version()).toBe(version + 1);
      // A second saga that planned the same slots at the old epochs (to another shard) is refused, naming them.
      const refused = await failure(flipSlots(databases.control, slots, 2, epochs));
      expect(refused).toMatchObject({ code: 'SLOT_MOVE.EPOCH_CONFLICT', slots: [...slots].sort((a, b) => a - b) });
      expect(String((refused as Error).message)).toContain(`slot ${Math.min(...slots)}: expected ${epochs.get(Math.min(...slots))}`);
      // A flip where only some slots are at the planned epoch flips none.
      const fresh = slotOf(businessOnShard(3));
      const mixed = new Map([...epochs, [fresh, 1]]);
      expect(await failure(flipSlots(databases.control, [...slots, fresh], 2, mixed))).toMatchObject({ code: 'SLOT_MOVE.EPOCH_CONFLICT', slots: [...slots].sort((a, b) => a - b) });
      expect((await slotOwnershipOf(databases.control, [fresh]))[0]).toEqual({ slot: fresh, shard: 3, epoch: 1 });
      expect(await control.version()).toBe(version + 1);
      // The reverse move plans from the new owner at the new epochs.
      const reverse = await flipSlots(databases.control, slots, 0, new Map(flipped.ownership.map((o) => [o.slot, o.epoch])));
      expect(reverse.ownership.every((o) => o.shard === 0 && o.epoch === epochs.get(o.slot)! + 2)).toBe(true);
      await waitFor('the watcher to load the reverse flip', () => watcher.version === version + 2, { timeoutMs: 5000 });
    } finally {
      watcher.stop();
    }
  });

  it('flip refuses an unregistered target shard and writes nothing', async () => {
    const slot = slotOf(businessOnShard(2));
    const [planned] = await slotOwnershipOf(databases.control, [slot]);
    await expect(flipSlots(databases.control, [slot], 9, planned.epoch)).rejects.toThrow(/shard 9 is not registered/);
    expect((await slotOwnershipOf(databases.control, [slot]))[0]).toEqual(planned);
  });
});
