import { randomUUID } from 'node:crypto';
import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { stagedStreamOf, type RecordStateChange } from '@shardline/records';
import { MysqlRecordMoveStore, MysqlUserRecordStore, RecordsInlineProjection } from '@shardline/records-mysql';
import { RecordsAtomicBatchEffects, RecordsEraseUserEffects, RecordsMoveEffects } from '@shardline/records-sagas';
import { noRecordCache } from '@shardline/records';
import type { AtomicBatchPart } from '@shardline/saga-definitions';
import { slotOf } from '@shardline/sharding';
import { liveSlotMap, LiveSlotMap, ShardDatabases } from '@shardline/sharding/mysql';
import { businessOnShard } from '../support/business-on-shard';
import { moveSlotOwnership } from '../support/slot-ownership';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * Saga steps that write to a shard address the owner the map names at each attempt, not the shard
 * stored when the saga started (docs/adr/0008, 4.8). Each saga side here holds a map that does not
 * poll (stale until a refused write makes it reload), as a process does between two polls.
 */
describe('saga steps on a moved slot go to its new owner (docs/adr/0008)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let store: MysqlEventStore<RecordStateChange>;
  const maps: LiveSlotMap[] = [];

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    store = new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 100, windowMs: 1, maxInFlight: 2 } });
  });
  afterAll(async () => {
    for (const map of maps) await map.watcher.stop();
    await store?.drain();
    await databases?.destroy();
    await dbs?.drop();
  });

  /** Atomic-batch effects routed by a map loaded now that never polls. */
  async function staleAtomicBatchEffects(): Promise<RecordsAtomicBatchEffects> {
    const map = await liveSlotMap(databases, { pollMs: 3_600_000 });
    maps.push(map);
    return new RecordsAtomicBatchEffects(store, new MysqlCommitPoints(databases.control), map.router);
  }

  function partOn(shard: number, businessIds: string[], userId = '1'): AtomicBatchPart {
    return { shard, records: businessIds.map((business_id, index) => ({ index, id: String(BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 900)) + BigInt(index)), shard, business_id, user_id: userId, data_content: { n: index } })) };
  }

  const stage = (writeSetId: string) => ({ writeSetId, commandId: `${writeSetId}:stage`, correlationId: 'c', actor: null, signal: new AbortController().signal });

  async function eventsOf(shard: number, part: AtomicBatchPart): Promise<Array<{ staged_by: string | null }>> {
    const streams = part.records.map((r) => stagedStreamOf(r.id, r.business_id).streamId);
    return databases.shard(shard)('events').whereIn('stream_id', streams).select('staged_by');
  }

  it('stage, release: a part whose slot moved after the batch was accepted is staged and released on the new owner', async () => {
    const stager = await staleAtomicBatchEffects();
    const releaser = await staleAtomicBatchEffects();
    const moved = businessOnShard(0);
    const kept = businessOnShard(0);
    const part = partOn(0, [moved, kept]);
    await moveSlotOwnership(databases, slotOf(moved), 0, 1);
    const writeSet = `ws-${randomUUID()}`;

    await stager.stagePart(part, stage(writeSet));
    expect(await eventsOf(0, { ...part, records: [part.records[1]] })).toEqual([{ staged_by: writeSet }]);
    expect(await eventsOf(1, { ...part, records: [part.records[0]] })).toEqual([{ staged_by: writeSet }]);
    // A repeated stage (a redelivered job) writes nothing more.
    await stager.stagePart(part, stage(writeSet));
    expect((await eventsOf(0, part)).length + (await eventsOf(1, part)).length).toBe(2);

    // Another process, whose map still names shard 0, releases: shard 0 ends its own share, refuses
    // the moved one (neither owned nor staged there), and the step reloads and ends it on shard 1.
    await releaser.releasePart(part, writeSet);
    expect(await eventsOf(0, { ...part, records: [part.records[1]] })).toEqual([{ staged_by: null }]);
    expect(await eventsOf(1, { ...part, records: [part.records[0]] })).toEqual([{ staged_by: null }]);
    expect(Number((await databases.shard(1)('outbox').where({ partition_key: moved }).count({ n: '*' }))[0].n)).toBe(1);
  });

  it('discard: a stale process discards a part staged on the new owner', async () => {
    const stager = await staleAtomicBatchEffects();
    const discarder = await staleAtomicBatchEffects();
    const moved = businessOnShard(2);
    const part = partOn(2, [moved]);
    await moveSlotOwnership(databases, slotOf(moved), 2, 3);
    const writeSet = `ws-${randomUUID()}`;
    await stager.stagePart(part, stage(writeSet));
    expect(await eventsOf(3, part)).toEqual([{ staged_by: writeSet }]);
    await discarder.discardPart(part, writeSet);
    expect(await eventsOf(3, part)).toEqual([]);
    expect(await eventsOf(2, part)).toEqual([]);
  });

  it('move-records: the lock is fenced, and a move started before the source slot moved locks its sources at the new owner', async () => {
    const map = await liveSlotMap(databases, { pollMs: 3_600_000 });
    maps.push(map);
    const commitPoints = new MysqlCommitPoints(databases.control);
    const rows = new MysqlRecordMoveStore(databases, commitPoints);
    const mover = new RecordsMoveEffects(store, commitPoints, rows, map.router);
    const from = businessOnShard(0);
    const part = partOn(0, [from]);
    await moveSlotOwnership(databases, slotOf(from), 0, 1);
    // The source record, created on the new owner.
    const writer = await staleAtomicBatchEffects();
    const writeSet = `ws-${randomUUID()}`;
    await writer.stagePart(part, stage(writeSet));
    await writer.releasePart(part, writeSet);
    const source = part.records[0].id;
    const sagaId = `mv-${randomUUID()}`;
    await mover.openCommitPoint(sagaId);

    // The old owner refuses the lock (retriable), whether or not it still holds rows of the slot.
    await expect(rows.lock(0, sagaId, from, [source])).rejects.toMatchObject({ code: 'EVENT_STORE.SLOT_MOVED', retriable: true, shard: 0 });

    const move = { sagaId, fromBusinessId: from, fromShard: 0, toBusinessId: businessOnShard(2), toShard: 2 };
    expect(await mover.lockSources(move, [{ from_id: source, to_id: '1' }])).toBe(1);
    expect(await databases.shard(1)('records').where({ id: source }).first('moving_out_by')).toEqual({ moving_out_by: sagaId });
    expect(await mover.unlockSources(move, [{ from_id: source, to_id: '1' }])).toBe(1);
  });

  it('erase-user: a shard erases the rows of the slots it owns and leaves a moved slot\'s left-behind copy to cleanup', async () => {
    const userId = String(1_000_000 + Math.floor(Math.random() * 1_000_000));
    const moved = businessOnShard(3);
    const kept = businessOnShard(3);
    const part = partOn(3, [moved, kept], userId);
    const writer = await staleAtomicBatchEffects();
    const writeSet = `ws-${randomUUID()}`;
    await writer.stagePart(part, stage(writeSet));
    await writer.releasePart(part, writeSet);
    // The slot moves away; its rows stay on shard 3 until a cleanup (no data is copied here).
    await moveSlotOwnership(databases, slotOf(moved), 3, 0);
    const map = await liveSlotMap(databases, { pollMs: 3_600_000 });
    maps.push(map);
    const eraser = new RecordsEraseUserEffects({
      store,
      users: new MysqlUserRecordStore(databases),
      shardCount: () => databases.count,
      router: map.router,
      cache: noRecordCache,
      forgetKey: async () => ({ keyExisted: false, unreadableFrom: new Date().toISOString() }),
      search: { eraseUser: async () => 0 },
      analytics: { eraseUser: async () => 0 },
    });
    await eraser.eraseRecordsOnShard(userId, 3, `erase-${randomUUID()}`, new AbortController().signal);
    const left = await databases.shard(3)('records').where({ user_id: userId }).select('business_id');
    expect(left).toEqual([{ business_id: moved }]);
  });
});
