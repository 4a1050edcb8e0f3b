import { randomUUID } from 'node:crypto';
import { copyProcessedCommandsOfSlots, processedCommandsCopyStart } from '@shardline/event-store/mysql';
import { SHARD_ROUTER, slotOf, SlotMapShardRouter } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { moveSlotOwnership } from '../support/slot-ownership';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

const EVENT_COLUMNS = 'month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time, staged_by';

/**
 * A retry with the same Idempotency-Key after the record's slot moved to another shard answers the
 * first try's result and writes nothing again (docs/adr/0008 4.8). The move is what its saga will
 * do, by hand: copy the slot's events, records and keys to the new owner (the keys with the copier
 * under test), revoke on the old owner, grant on the new, flip the map.
 */
describe('Idempotency-Keys across a slot move (docs/adr/0008 4.8)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;

  const routerOf = () => api.app.get<typeof SHARD_ROUTER, SlotMapShardRouter>(SHARD_ROUTER, { strict: false });
  const database = (shard: number) => dbs.config.shards[shard].database;

  async function moveSlot(slot: number, from: number, to: number): Promise<void> {
    const source = databases.shard(from);
    await source.raw(
      `INSERT IGNORE INTO \`${database(to)}\`.events (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM \`${database(from)}\`.events
       WHERE CRC32(JSON_VALUE(data, '$.business_id')) % 4096 = ? ORDER BY position`,
      [slot],
    );
    await source.raw(`INSERT INTO \`${database(to)}\`.records SELECT * FROM \`${database(from)}\`.records WHERE CRC32(business_id) % 4096 = ?`, [slot]);
    for (let cursor = processedCommandsCopyStart([slot]); !cursor.done; ) {
      ({ cursor } = await copyProcessedCommandsOfSlots(source, databases.shard(to), [slot], cursor, { chunkRows: 2 }));
    }
    const before = routerOf().version;
    await moveSlotOwnership(databases, slot, from, to);
    // The retry must go straight to the new owner (a stale map would find the key on the old one).
    await waitFor('the api to load the new map', () => routerOf().version > before, { timeoutMs: 5000 });
  }

  async function recordsOf(shard: number, businessId: string): Promise<string[]> {
    const rows = await databases.shard(shard)('records').where({ business_id: businessId }).orderBy('id').select('id');
    return rows.map((r: { id: string | number }) => String(r.id));
  }

  const batch = (businessIds: string[], key: string) =>
    api.request('POST', '/api/v1/data/batch', { data: businessIds.map((b, i) => ({ business_id: b, user_id: 1, data_content: { i } })) }, { 'idempotency-key': key });

  /** A business of `shard` whose slot differs from every one given. */
  function otherBusiness(shard: number, notSlots: number[]): string {
    for (;;) {
      const b = businessOnShard(shard);
      if (!notSlots.includes(slotOf(b))) return b;
    }
  }

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    api = await startApi({ ...dbs.config, slotMapPollMs: 100 }, { SHARDLINE_SAGAS_ENABLED: 'false' });
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('a batch retried after one of its records moved to a shard the batch did not touch answers the first result, writing nothing', async () => {
    const moved = businessOnShard(0);
    const stays = otherBusiness(0, [slotOf(moved)]);
    const elsewhere = businessOnShard(1);
    const key = `bk-${randomUUID()}`;
    const first = await batch([moved, stays, elsewhere], key);
    expect(first).toHaveStatus(201);
    await moveSlot(slotOf(moved), 0, 2);
    const retried = await batch([moved, stays, elsewhere], key);
    expect(retried).toHaveStatus(201);
    expect(retried.body).toEqual(first.body);
    expect(await recordsOf(2, moved)).toEqual([first.body.results[0].id]); // the copy only: no second record
    const keysOnNewOwner = await databases.shard(2)('processed_commands').where('command_id', 'like', `${key}%`).pluck('command_id');
    expect(keysOnNewOwner).toEqual([`${key}#shard0`]); // the copied part, and no part written there
  });

  it('a batch retried after one of its records moved onto the shard of another of its parts answers both from their parts, writing nothing', async () => {
    const moved = businessOnShard(0);
    const onTarget = businessOnShard(1);
    const key = `bk-${randomUUID()}`;
    const first = await batch([moved, onTarget], key);
    expect(first).toHaveStatus(201);
    await moveSlot(slotOf(moved), 0, 1);
    // The retry's one part on shard 1 holds both records; `key#shard1` remembers only the second,
    // the copied `key#shard0` the first (before: 422 BATCH.KEY_SPLIT_CHANGED, or a second write).
    const retried = await batch([moved, onTarget], key);
    expect(retried).toHaveStatus(201);
    expect(retried.body).toEqual(first.body);
    expect(await recordsOf(1, moved)).toEqual([first.body.results[0].id]);
    expect(await recordsOf(1, onTarget)).toEqual([first.body.results[1].id]);
  });

  it('a single create retried after its slot moved answers the stored result from the key copied with the slot, writing nothing', async () => {
    const businessId = businessOnShard(2);
    const key = `sk-${randomUUID()}`;
    const create = () => api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: { a: 1 } }, { 'idempotency-key': key });
    const first = await create();
    expect(first).toHaveStatus(201);
    await moveSlot(slotOf(businessId), 2, 3);
    const retried = await create();
    expect(retried).toHaveStatus(201);
    expect(retried.body).toEqual(first.body);
    expect(await recordsOf(3, businessId)).toEqual([first.body.id]);
  });

  it('a no-op patch retried after its slot moved replays its answer from the copied key, though the record changed since', async () => {
    const businessId = businessOnShard(3);
    const created = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: { a: 1 } });
    expect(created).toHaveStatus(201);
    const path = `/api/v1/data/${businessId}/${created.body.id}`;
    const key = `nk-${randomUUID()}`;
    const noop = () => api.request('PATCH', path, { data_content: { a: 1 } }, { 'idempotency-key': key });
    const first = await noop();
    expect(first).toHaveStatus(200);
    expect(first.body.version).toBe(1);
    await moveSlot(slotOf(businessId), 3, 0);
    expect(await api.request('PATCH', path, { data_content: { a: 2 } })).toHaveStatus(200);
    const retried = await noop();
    expect(retried).toHaveStatus(200);
    expect(retried.body).toEqual(first.body); // version 1: the key's answer, not a new decision (version 2)
  });
});
