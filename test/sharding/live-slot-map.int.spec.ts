import { SHARD_ROUTER, slotOf, SlotMapShardRouter } from '@shardline/sharding';
import { MysqlSlotMapReaders, MysqlSlotMapStore, revokeSlots, ShardDatabases } from '@shardline/sharding/mysql';
import { moveSlotOwnership } from '../support/slot-ownership';
import { addShard } from '../../migrations/migrate';
import { ApiHarness, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createServerPool } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

async function recordsOf(databases: ShardDatabases, shard: number, businessId: string): Promise<number> {
  const rows = await databases.shard(shard)('records').where({ business_id: businessId }).count({ n: '*' });
  return Number(rows[0].n);
}

const routerOf = (api: ApiHarness) => api.app.get<typeof SHARD_ROUTER, SlotMapShardRouter>(SHARD_ROUTER, { strict: false });
const create = (api: ApiHarness, businessId: string, headers: Record<string, string> = {}) =>
  api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 7, data_content: { n: 1 } }, headers);

describe('every process follows the slot map without a restart (docs/adr/0008)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let polling: ApiHarness;
  let stale: ApiHarness;
  const extraDatabase = () => `${dbs.config.control.database.replace(/control$/, '')}data_db_4`;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    polling = await startApi({ ...dbs.config, slotMapPollMs: 100 }, { SHARDLINE_SAGAS_ENABLED: 'false' });
    // Polls so rarely it never sees a change by itself: only a fenced write makes it reload.
    stale = await startApi({ ...dbs.config, slotMapPollMs: 600_000 }, { SHARDLINE_SAGAS_ENABLED: 'false' });
  });
  afterAll(async () => {
    await polling?.close();
    await stale?.close();
    await databases?.destroy();
    const server = createServerPool(dbs.config.control);
    await server.raw(`DROP DATABASE IF EXISTS \`${extraDatabase()}\``).finally(() => server.destroy());
    await dbs?.drop();
  });

  it('a polling process picks up a moved slot and writes to its new owner', async () => {
    const businessId = businessOnShard(0);
    expect(await create(polling, businessId)).toHaveStatus(201);
    expect(await recordsOf(databases, 0, businessId)).toBe(1);
    const before = routerOf(polling).version;
    await moveSlotOwnership(databases, slotOf(businessId), 0, 1);
    await waitFor('the polling api to load the new map', () => routerOf(polling).version > before, { timeoutMs: 5000 });
    expect(routerOf(polling).shardFor(businessId)).toBe(1);
    expect(await create(polling, businessId)).toHaveStatus(201);
    expect(await recordsOf(databases, 1, businessId)).toBe(1);
    expect(await recordsOf(databases, 0, businessId)).toBe(1);
  });

  it('a process holding a stale map is fenced, reloads the map and writes to the owner (the client sees one 201)', async () => {
    const businessId = businessOnShard(2);
    const version = routerOf(stale).version;
    await moveSlotOwnership(databases, slotOf(businessId), 2, 3);
    expect(routerOf(stale).shardFor(businessId)).toBe(2);
    const created = await create(stale, businessId, { 'idempotency-key': `k-${businessId}` });
    expect(created).toHaveStatus(201);
    expect(routerOf(stale).version).toBeGreaterThan(version);
    expect(await recordsOf(databases, 2, businessId)).toBe(0);
    expect(await recordsOf(databases, 3, businessId)).toBe(1);
    const [keys] = await databases.shard(2).raw('SELECT COUNT(*) AS n FROM processed_commands WHERE command_id = ?', [`k-${businessId}`]);
    expect(Number(keys[0].n)).toBe(0);
  });

  it('while no shard owns the slot (a cutover in progress), a write answers 503 EVENT_STORE.SLOT_MOVED and lands nowhere', async () => {
    const businessId = businessOnShard(1);
    await revokeSlots(databases.shard(1), [slotOf(businessId)]);
    const refused = await create(stale, businessId);
    expect(refused).toHaveStatus(503);
    expect(refused.body.error.code).toBe('EVENT_STORE.SLOT_MOVED');
    for (const shard of [0, 1, 2, 3]) expect(await recordsOf(databases, shard, businessId)).toBe(0);
  });

  it('a shard registered after start gets its pools on the next map version, and takes the slots moved to it', async () => {
    const url = `mysql://${dbs.config.control.host}:${dbs.config.control.port}/${extraDatabase()}`;
    const added = await addShard(dbs.config, url);
    expect(added.shard).toBe(4);
    await waitFor('the polling api to know shard 4', () => routerOf(polling).shardCount === 5, { timeoutMs: 5000 });
    databases.addShard(4, { ...dbs.config.control, database: extraDatabase() });
    const businessId = businessOnShard(3);
    const version = routerOf(polling).version;
    await moveSlotOwnership(databases, slotOf(businessId), 3, 4);
    await waitFor('the polling api to load the new map', () => routerOf(polling).version > version, { timeoutMs: 5000 });
    expect(await create(polling, businessId)).toHaveStatus(201);
    expect(await recordsOf(databases, 4, businessId)).toBe(1);
    // The stale process had never heard of shard 4: the fence sends it to the registry, and there.
    expect(await create(stale, businessId)).toHaveStatus(201);
    expect(await recordsOf(databases, 4, businessId)).toBe(2);
    expect(await recordsOf(databases, 3, businessId)).toBe(0);
  });

  it('every process reports the map version it routes by; a stale one shows as behind, a stopped one is gone (docs/adr/0008, 4.7)', async () => {
    const readers = new MysqlSlotMapReaders(databases.control);
    const version = () => new MysqlSlotMapStore(databases.control).version();
    const extra = await startApi({ ...dbs.config, slotMapPollMs: 600_000 }, { SHARDLINE_SAGAS_ENABLED: 'false' });
    let closed = false;
    try {
      const before = await version();
      await waitFor('the three apis in slot_map_readers at the current version', async () => (await readers.behind(before, 60_000)).length === 0 && (await readers.alive(60_000)).length >= 3, { timeoutMs: 10_000 });
      const businessId = businessOnShard(1);
      await moveSlotOwnership(databases, slotOf(businessId), 1, 2);
      const after = await version();
      expect(after).toBeGreaterThan(before);
      // The polling api reports the new version within a poll (5 s heartbeat at the latest, at once on a change);
      // the two that poll every 10 minutes still route by the old map: a cleanup must wait for them.
      await waitFor('the polling api to report the new version', async () => (await readers.alive(60_000)).some((r) => r.version === after), { timeoutMs: 10_000 });
      const behind = await readers.behind(after, 60_000);
      expect(behind.map((r) => r.version)).toEqual([before, before]);
      const behindBeforeClose = behind.map((r) => r.reader);
      await extra.close();
      closed = true;
      const stillBehind = (await readers.behind(after, 60_000)).map((r) => r.reader);
      expect(stillBehind).toHaveLength(1);
      expect(behindBeforeClose).toEqual(expect.arrayContaining(stillBehind));
      // A crashed process stops reporting: past the liveness window it no longer holds a cleanup back.
      await databases.control('slot_map_readers').update({ seen_time: databases.control.raw('CURRENT_TIMESTAMP(3) - INTERVAL 2 MINUTE') });
      expect(await readers.behind(after, 60_000)).toEqual([]);
      expect(await readers.forgetSilent(60_000)).toBeGreaterThanOrEqual(2);
    } finally {
      if (!closed) await extra.close();
    }
  });

  it('a read by id at a shard that gave the slot up reloads the map and reads at the owner (read-your-writes across a move)', async () => {
    const businessId = businessOnShard(0);
    const created = await create(stale, businessId);
    expect(created).toHaveStatus(201);
    const id = created.body.id;
    // The slot moves to shard 3 with its row (as a move's copy would), and a write lands there through the polling api.
    const [row] = await databases.shard(0)('records').where({ id }).select('*');
    await databases.shard(3)('records').insert(row);
    const version = routerOf(stale).version;
    await moveSlotOwnership(databases, slotOf(businessId), 0, 3);
    await waitFor('the polling api to load the new map', () => routerOf(polling).shardFor(businessId) === 3, { timeoutMs: 5000 });
    const patched = await polling.request('PATCH', `/api/v1/data/${businessId}/${id}`, { data_content: { n: 2 } });
    expect(patched).toHaveStatus(200);
    expect(patched.body.version).toBe(2);
    // The stale api still names shard 0, whose old copy says version 1: it must not answer that.
    expect(routerOf(stale).shardFor(businessId)).toBe(0);
    const read = await stale.request('GET', `/api/v1/data/${businessId}/${id}`);
    expect(read).toHaveStatus(200);
    expect(read.body.version).toBe(2);
    expect(routerOf(stale).version).toBeGreaterThan(version);
  });
});
