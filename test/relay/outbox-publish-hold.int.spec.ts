import { randomUUID } from 'node:crypto';
import { monthKeyOf } from '@shardline/event-store';
import { MysqlEventStore, MysqlInlineProjection } from '@shardline/event-store/mysql';
import { MysqlOutboxSource } from '@shardline/outbox-relay/mysql';
import { slotOf } from '@shardline/sharding';
import { grantSlots, releasePublishHold, revokeSlots, ShardDatabases } from '@shardline/sharding/mysql';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

/**
 * MysqlOutboxSource under a publish hold (docs/adr/0008 4.6), read by read: which rows each read
 * returns while slots are held, granted or released between reads (the relay runner is not involved).
 */
describe('MysqlOutboxSource: rows of held slots stay in the outbox until the hold is released', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let store: MysqlEventStore<unknown>;
  let source: MysqlOutboxSource;
  const stream = new Map<string, string>();

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    store = new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 10, windowMs: 0, maxInFlight: 1 } });
    source = new MysqlOutboxSource(databases, 0);
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  /** Appends the next version of the business's one stream on shard 0; returns "business#version". */
  let versions = new Map<string, number>();
  async function write(businessId: string): Promise<string> {
    const version = (versions.get(businessId) ?? 0) + 1;
    versions.set(businessId, version);
    if (!stream.has(businessId)) stream.set(businessId, `s-${randomUUID()}`);
    const metadata = { eventId: randomUUID(), commandId: randomUUID(), correlationId: 'c', causationId: null, actor: null };
    const result = await store.append({
      shard: 0,
      writes: [{ streamId: stream.get(businessId)!, partitionMonth: monthKeyOf(new Date()), expectedVersion: version - 1, partitionKey: businessId, state: null, events: [{ type: 'E', schemaVersion: 1, data: { business_id: businessId }, metadata }] }],
    });
    expect(result).toEqual({ kind: 'appended' });
    return `${businessId}#${version}`;
  }
  const names = (entries: Awaited<ReturnType<MysqlOutboxSource['readBatch']>>) => entries.map((e) => `${(e.event.data as { business_id: string }).business_id}#${e.event.streamVersion}`);
  /** Reads, publishes (removes) what came back, and returns it. */
  async function relayOnce(limit: number): Promise<string[]> {
    const entries = await source.readBatch(limit);
    await source.remove(entries.map((e) => e.outboxId));
    return names(entries);
  }

  beforeEach(async () => {
    await databases.shard(0).raw('DELETE FROM outbox');
    versions = new Map();
    stream.clear();
  });

  it('a slot granted with the hold after the previous read: its rows are held from the first read that sees them', async () => {
    const moved = businessOnShard(1, `m-${randomUUID().slice(0, 6)}`, 2);
    const staying = businessOnShard(0, `s-${randomUUID().slice(0, 6)}`, 2);
    expect(await relayOnce(10)).toEqual([]); // the source knows of no hold
    await revokeSlots(databases.shard(1), [slotOf(moved)]);
    await grantSlots(databases.shard(0), [slotOf(moved)], 2, { publishHold: true });
    const held = [await write(moved), await write(moved)];
    const flowing = [await write(staying)];
    held.push(await write(moved));
    expect(await relayOnce(10)).toEqual(flowing);
    expect(source.heldSlotCount()).toBe(1);
    // Held rows at the head of the outbox do not fill the batch: the next read filters them in SQL.
    const more = [await write(staying), await write(staying)];
    expect(await relayOnce(2)).toEqual(more);
    expect(await relayOnce(2)).toEqual([]);
    // Released while only held rows are left: the empty read refreshes the held set, the next one returns them in order.
    expect(await releasePublishHold(databases.shard(0), [slotOf(moved)])).toBe(1);
    const after: string[] = [];
    for (let i = 0; i < 3 && after.length < held.length; i++) after.push(...(await relayOnce(10)));
    expect(after).toEqual(held);
    expect(source.heldSlotCount()).toBe(0);
    // Later writes of the released slot flow at once.
    const next = await write(moved);
    expect(await relayOnce(10)).toEqual([next]);
  });

  it('a hold released while other rows flow is noticed by the next read that returns rows', async () => {
    const moved = businessOnShard(1, `m-${randomUUID().slice(0, 6)}`, 2);
    const staying = businessOnShard(0, `s-${randomUUID().slice(0, 6)}`, 2);
    await revokeSlots(databases.shard(1), [slotOf(moved)]);
    await grantSlots(databases.shard(0), [slotOf(moved)], 2, { publishHold: true });
    const held = [await write(moved)];
    const first = [await write(staying)];
    expect(await relayOnce(10)).toEqual(first);
    await releasePublishHold(databases.shard(0), [slotOf(moved)]);
    const second = [await write(staying)];
    // This read still filters by the set the last one saw, and learns that it is now empty.
    expect(await relayOnce(10)).toEqual(second);
    expect(await relayOnce(10)).toEqual(held);
  });
});
