import { randomUUID } from 'node:crypto';
import { AppendCommand, monthKeyOf } from '@shardline/event-store';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { slotOf } from '@shardline/sharding';
import { grantSlots, isSlotNotOwned, ownedSlots, revokeSlots, ShardDatabases, slotFenceStatement } from '@shardline/sharding/mysql';
import { businessOnShard } from '../support/business-on-shard';
import { groupingEventStore } from '../support/grouping-event-store';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

function create(shard: number, businessId: string, commandId?: string): AppendCommand {
  const streamId = `s-${randomUUID()}`;
  return {
    shard,
    writes: [
      {
        streamId,
        partitionMonth: monthKeyOf(new Date()),
        expectedVersion: 0,
        partitionKey: businessId,
        state: null,
        events: [{ type: 'Created', schemaVersion: 1, data: {}, metadata: { eventId: randomUUID(), commandId: commandId ?? randomUUID(), correlationId: 'c', causationId: null, actor: null } }],
      },
    ],
    idempotency: commandId ? { commandId, requestHash: 'h', response: { ok: true } } : undefined,
  };
}

/** Rows of the stream (events, outbox) and of the command id on the shard: what a fenced write must not leave. */
async function traces(databases: ShardDatabases, shard: number, command: AppendCommand): Promise<number> {
  const db = databases.shard(shard);
  const streamId = command.writes[0].streamId;
  const [events, outbox, commands] = await Promise.all([
    db('events').where({ stream_id: streamId }).count({ n: '*' }),
    db('outbox').where({ stream_id: streamId }).count({ n: '*' }),
    db('processed_commands').where({ command_id: command.idempotency?.commandId ?? '-' }).count({ n: '*' }),
  ]);
  return Number(events[0].n) + Number(outbox[0].n) + Number(commands[0].n);
}

describe('slot fence: a shard takes writes only for the slots it owns (docs/adr/0008)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let store: MysqlEventStore<unknown>;
  let groupSizes: number[];

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    // Concurrent appends of one test share one group-commit transaction.
    ({ store, groupSizes } = groupingEventStore(databases));
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('migrate gives every shard the slots the map assigns it, at epoch 1', async () => {
    for (const shard of [0, 1, 2, 3]) {
      const owned = await ownedSlots(databases.shard(shard));
      expect(owned).toHaveLength(1024);
      expect(owned.every((o) => o.slot % 4 === shard && o.epoch === 1)).toBe(true);
    }
  });

  it('a stale-map writer is fenced: single, keyed and batch appends fail retriably and leave nothing on the old shard', async () => {
    const businessId = businessOnShard(0);
    await revokeSlots(databases.shard(0), [slotOf(businessId)]);
    const plain = create(0, businessId);
    const keyed = create(0, businessId, `key-${randomUUID()}`);
    const batch = create(0, businessId);
    for (const [command, append] of [
      [plain, () => store.append(plain)],
      [keyed, () => store.append(keyed)],
      [batch, () => store.appendBatch(batch)],
    ] as const) {
      const error = await append().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'EVENT_STORE.SLOT_MOVED', kind: 'unavailable', retriable: true, shard: 0, slots: [slotOf(businessId)] });
      expect(await traces(databases, 0, command)).toBe(0);
    }
  });

  it('the new owner takes the same write once granted the slot', async () => {
    const businessId = businessOnShard(0);
    const slot = slotOf(businessId);
    await revokeSlots(databases.shard(0), [slot]);
    await grantSlots(databases.shard(1), [slot], 2);
    const command = create(1, businessId, `key-${randomUUID()}`);
    expect(await store.append(command)).toEqual({ kind: 'appended' });
    expect(await traces(databases, 1, command)).toBe(3);
    expect((await ownedSlots(databases.shard(1))).find((o) => o.slot === slot)).toEqual({ slot, epoch: 2 });
  });

  it('group commit with mixed slots: only the commands of the slot the shard lost fail, the rest of the group lands', async () => {
    const moved = businessOnShard(2);
    await revokeSlots(databases.shard(2), [slotOf(moved)]);
    // Kept businesses of other slots than the moved one's: a random one shares its slot 1 time in 1,024 (a fresh-clone CI run drew one).
    const keptBusiness = (): string => {
      for (;;) {
        const business = businessOnShard(2);
        if (slotOf(business) !== slotOf(moved)) return business;
      }
    };
    const kept = Array.from({ length: 12 }, () => create(2, keptBusiness()));
    const fenced = [create(2, moved), create(2, moved, `key-${randomUUID()}`)];
    const all = [...kept.slice(0, 6), fenced[0], ...kept.slice(6), fenced[1]];
    groupSizes.length = 0;
    const settled = await Promise.allSettled(all.map((command) => store.append(command)));
    // They went as one group (then, the group refused, one by one).
    expect(groupSizes[0]).toBe(all.length);
    for (const [i, result] of settled.entries()) {
      if (fenced.includes(all[i])) expect(result).toMatchObject({ status: 'rejected', reason: { code: 'EVENT_STORE.SLOT_MOVED' } });
      else expect(result).toEqual({ status: 'fulfilled', value: { kind: 'appended' } });
    }
    for (const command of kept) expect(await traces(databases, 2, command)).toBe(2);
    for (const command of fenced) expect(await traces(databases, 2, command)).toBe(0);
  });

  it('a revoke waits for an append that passed the fence (shared lock held to COMMIT), and every append after it is refused', async () => {
    const businessId = businessOnShard(3);
    const slot = slotOf(businessId);
    const writer = await databases.writer(3).getConnection();
    const revoker = await databases.writer(3).getConnection();
    try {
      await writer.query(`BEGIN;\n${slotFenceStatement([slot])}`);
      await revoker.query('SET SESSION innodb_lock_wait_timeout = 1');
      await expect(revoker.query(`DELETE FROM owned_slots WHERE slot = ${slot}`)).rejects.toMatchObject({ code: 'ER_LOCK_WAIT_TIMEOUT' });
      await writer.query('COMMIT');
      await revoker.query(`DELETE FROM owned_slots WHERE slot = ${slot}`);
      const refused = await writer.query(`BEGIN;\n${slotFenceStatement([slot])}`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isSlotNotOwned(refused)).toBe(true);
      await writer.query('ROLLBACK');
    } finally {
      writer.release();
      revoker.release();
    }
  });

  it('release/discard end staged rows where they are, even in a cutover pause, and refuse a shard that neither owns the slot nor holds them', async () => {
    const businessId = businessOnShard(1);
    const slot = slotOf(businessId);
    const writeSet = `ws-${randomUUID()}`;
    const staged = { ...create(1, businessId), stagedBy: writeSet };
    const streams = staged.writes.map((w) => ({ streamId: w.streamId, partitionMonth: w.partitionMonth, partitionKey: w.partitionKey }));
    expect(await store.appendBatch(staged)).toEqual({ kind: 'appended' });
    // Nothing staged of the write set on shard 3, which does not own the slot: a stale map's address.
    for (const end of [() => store.releaseStaged(3, writeSet, streams), () => store.discardStaged(3, writeSet, streams)]) {
      await expect(end()).rejects.toMatchObject({ code: 'EVENT_STORE.SLOT_MOVED', retriable: true, shard: 3, slots: [slot] });
    }
    // The cutover's revoke: shard 1 no longer owns the slot but holds the staged rows, and ends them.
    await revokeSlots(databases.shard(1), [slot]);
    expect(await store.releaseStaged(1, writeSet, streams)).toBe(1);
    expect(await traces(databases, 1, staged)).toBe(2);
    // Released: nothing of the write set is left here, so a repeat here is refused (the owner answers it).
    await expect(store.releaseStaged(1, writeSet, streams)).rejects.toMatchObject({ code: 'EVENT_STORE.SLOT_MOVED' });
    await grantSlots(databases.shard(1), [slot], 2);
    expect(await store.releaseStaged(1, writeSet, streams)).toBe(0);
    expect(await store.discardStaged(1, writeSet, streams)).toBe(0);
  });
});
