import type { Knex } from 'knex';
import { MysqlSlotMapStore, type ShardDatabases } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { testRelayConfig, testTopic } from '../relay/relay-test-kit';
import type { ApiHarness } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { waitFor } from '../support/wait-for';
import { businessInSlot } from './support/slot-move-fixture';
import { SlotMoveFleet } from './support/slot-move-fleet';

/**
 * The cutover while its grant on the new owner is held up (a lock the test takes on the target's
 * `owned_slots`, as a slow or busy target would): an abort arriving then must not roll back (give
 * the slot back to the old owner) while the grant can still commit — that left both shards owning
 * the slot — and a worker killed then must resume the cutover and finish it (docs/adr/0008 4.5, the
 * saga run lease in libs/sagas).
 */
describe('slot move: abort and kill -9 while the cutover grant or the flip waits', () => {
  let fleet: SlotMoveFleet;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let relay: RelayApp;
  // Long enough that the held-up grant is still waiting when the test lets it go.
  const newWorker = () => ChildApp.fromSource('saga-worker', 'apps/saga-worker/src/main.ts', fleet.workerEnv({ SHARDLINE_MYSQL_LOCK_WAIT_TIMEOUT_S: '30' })).start();
  const cli = (...argv: string[]) => fleet.cli(...argv);
  const statusOf = (moveId: string) => fleet.statusOf(moveId);
  const extraDatabase = () => fleet.targetDatabase;
  const owners = async (slot: number) => ({
    source: (await databases.shard(1)('owned_slots').where({ slot }).select('epoch')).map((r) => Number(r.epoch)),
    target: (await databases.shard(4)('owned_slots').where({ slot }).select('epoch')).map((r) => Number(r.epoch)),
  });
  const recordsOn = (shard: number, businessId: string) => fleet.recordsOn(shard, businessId);

  /** A transaction holding the gap of `slot` in shard 4's owned_slots: the grant's INSERT waits on it. */
  async function holdTargetGrant(slot: number): Promise<Knex.Transaction> {
    const trx = await databases.shard(4).transaction();
    await trx.raw('SELECT slot FROM owned_slots WHERE slot = ? FOR UPDATE', [slot]);
    return trx;
  }
  /** Some session of `database` waits for a lock (the grant or the flip, held up by the test). */
  async function lockWaitIn(database: string): Promise<boolean> {
    const [rows] = await databases.control.raw(
      `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
        WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?`,
      [database],
    );
    return Number((rows as Array<{ n: number }>)[0].n) > 0;
  }
  const grantWaits = () => lockWaitIn(extraDatabase());
  async function seed(businessId: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) expect(await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 5, data_content: { i } })).toHaveStatus(201);
  }
  async function moveTo4(slot: number): Promise<string> {
    // Processes that stopped (or were killed) by an earlier test still report an older map for a minute.
    const version = await new MysqlSlotMapStore(databases.control).version();
    await databases.control('slot_map_readers').where('version', '<', version).delete();
    const moved = await cli('move', '--slots', `${slot}:4`, '--pause-ms', '100', '--behind', '5');
    expect(moved).toMatchObject({ code: 0 });
    return /move (m[0-9a-f-]+):/.exec(moved.text)![1];
  }

  beforeAll(async () => {
    fleet = await SlotMoveFleet.start();
    ({ databases, api } = fleet);
    relay = await startRelayApp(testRelayConfig({ ...fleet.dbs.config, slotMapPollMs: 200 }, testTopic('slot-move-cutover-race')));
    await relay.started;
  }, 120_000);
  afterAll(async () => {
    await relay?.stop();
    await fleet?.close();
  });

  it('an abort while the grant waits rolls back only after the grant settled: never two owners, the old one writes again', async () => {
    const slot = 1 + 4 * 401;
    const businessId = businessInSlot(slot);
    await seed(businessId, 40);
    const held = await holdTargetGrant(slot);
    const worker = newWorker();
    try {
      const moveId = await moveTo4(slot);
      await waitFor(async () => `the cutover's grant to wait: ${JSON.stringify(await statusOf(moveId))}`, grantWaits, { timeoutMs: 60_000, intervalMs: 100 });
      expect(await owners(slot)).toEqual({ source: [], target: [] }); // revoked, not yet granted: the pause
      expect(await cli('abort', '--move', moveId)).toMatchObject({ code: 0 });
      // The rollback must not give the slot back while the grant may still commit.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await owners(slot)).toEqual({ source: [], target: [] });
      await held.rollback(); // the grant commits now
      await waitFor(async () => `rolled back: ${JSON.stringify(await statusOf(moveId))}`, async () => (await statusOf(moveId)).saga === 'compensated', { timeoutMs: 60_000, intervalMs: 200 });
      expect(await owners(slot)).toEqual({ source: [1], target: [] });
      expect((await new MysqlSlotMapStore(databases.control).ownership()).find((o) => o.slot === slot)).toEqual({ slot, shard: 1, epoch: 1 });
      expect({ target: await recordsOn(4, businessId), source: await recordsOn(1, businessId) }).toEqual({ target: 0, source: 40 });
      expect(await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 5, data_content: { after: true } })).toHaveStatus(201);
      expect(await recordsOn(1, businessId)).toBe(41);
    } finally {
      if (!held.isCompleted()) await held.rollback();
      await worker.stop();
    }
  }, 180_000);

  it('an abort while the flip (the pivot) waits and then commits: the move goes forward, it does not give the slots back', async () => {
    const slot = 1 + 4 * 403;
    const businessId = businessInSlot(slot);
    await seed(businessId, 20);
    const worker = newWorker();
    const held = await databases.control.transaction();
    try {
      await held.raw('SELECT slot FROM slot_map WHERE slot = ? FOR UPDATE', [slot]);
      const moveId = await moveTo4(slot);
      await waitFor(async () => `the flip to wait: ${JSON.stringify(await statusOf(moveId))}`, () => lockWaitIn(fleet.dbs.config.control.database), { timeoutMs: 60_000, intervalMs: 100 });
      expect(await owners(slot)).toEqual({ source: [], target: [2] }); // granted with the hold, map not yet flipped
      expect(await cli('abort', '--move', moveId)).toMatchObject({ code: 0 });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await owners(slot)).toEqual({ source: [], target: [2] });
      await held.rollback(); // the flip commits now
      await waitFor(async () => `forward to the end: ${JSON.stringify(await statusOf(moveId))}`, async () => (await statusOf(moveId)).saga === 'completed', { timeoutMs: 60_000, intervalMs: 200 });
      expect(await owners(slot)).toEqual({ source: [], target: [2] });
      expect((await new MysqlSlotMapStore(databases.control).ownership()).find((o) => o.slot === slot)).toEqual({ slot, shard: 4, epoch: 2 });
      expect(await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 5, data_content: { after: true } })).toHaveStatus(201);
      expect(await recordsOn(4, businessId)).toBe(21);
    } finally {
      if (!held.isCompleted()) await held.rollback();
      await worker.stop();
    }
  }, 180_000);

  it('a worker killed while the grant waits: the cutover runs again and the move finishes, one owner at every step', async () => {
    const slot = 1 + 4 * 402;
    const businessId = businessInSlot(slot);
    await seed(businessId, 40);
    const held = await holdTargetGrant(slot);
    let worker = newWorker();
    try {
      const moveId = await moveTo4(slot);
      await waitFor(async () => `the cutover's grant to wait: ${JSON.stringify(await statusOf(moveId))}`, grantWaits, { timeoutMs: 60_000, intervalMs: 100 });
      await worker.kill9();
      await held.rollback();
      worker = newWorker();
      await waitFor(async () => `move done: ${JSON.stringify(await statusOf(moveId))}`, async () => (await statusOf(moveId)).saga === 'completed', { timeoutMs: 120_000, intervalMs: 300 });
      expect(await owners(slot)).toEqual({ source: [], target: [2] });
      expect((await new MysqlSlotMapStore(databases.control).ownership()).find((o) => o.slot === slot)).toEqual({ slot, shard: 4, epoch: 2 });
      expect(await recordsOn(4, businessId)).toBe(40);
      expect(await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 5, data_content: { after: true } })).toHaveStatus(201);
      expect(await recordsOn(4, businessId)).toBe(41);
    } finally {
      if (!held.isCompleted()) await held.rollback();
      await worker.stop();
    }
  }, 240_000);
});
