import { randomUUID } from 'node:crypto';
import { handOffSlots, MysqlShardLease, outboxRowsOfSlots } from '@shardline/outbox-relay/mysql';
import { slotOf } from '@shardline/sharding';
import { flipSlots, grantSlots, heldSlots, releasePublishHold, revokeSlots, ShardDatabases, slotOwnershipOf } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { eventKey, streamOrderViolations, testRelayConfig, testTopic, TopicCollector, type Received } from './relay-test-kit';

/**
 * The relay hand-off of a slot move (docs/adr/0008 4.6), with the real relay, api and Kafka: the new
 * owner's relay publishes nothing of a held slot while it keeps publishing every other slot, and
 * publishes the held rows in order once the hold is released.
 */
describe('relay: publish hold of a slot moved to this shard (docs/adr/0008 4.6)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let relay: RelayApp;
  let collector: TopicCollector;
  /** Shard 3's relay lease, held by the test: the old owner of the second test does not publish until it lets go. */
  let shard3Lease: MysqlShardLease;
  const topic = testTopic('publish-hold');
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    const polling = { ...dbs.config, slotMapPollMs: 100 };
    shard3Lease = new MysqlShardLease(3, dbs.config.shards[3], { connectTimeoutMs: 1500, queryTimeoutMs: 3000 });
    expect(await shard3Lease.tryAcquire()).toBe(true);
    api = await startApi(polling, { SHARDLINE_SAGAS_ENABLED: 'false' });
    // A batch smaller than the held rows: held rows at the head of the outbox must not stall the rest.
    relay = await startRelayApp(testRelayConfig(polling, topic, { SHARDLINE_RELAY_BATCH_SIZE: '3' }));
    await relay.started;
    collector = new TopicCollector(topic);
    await collector.start();
  });
  afterAll(async () => {
    await shard3Lease?.release();
    await relay?.stop();
    await collector?.close();
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  const heldGauge = async (shard: number) => {
    const metric = await relay.registry.getSingleMetric('shardline_relay_held_slots')!.get();
    return metric.values.find((v) => v.labels.shard === String(shard))?.value;
  };
  const of = (businessId: string): Received[] =>
    collector.messages.filter((m) => m.envelope.business_id === businessId).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  const firstDeliveries = (messages: Received[]) => [...new Set(messages.map((m) => eventKey(m.envelope)))];
  const create = async (businessId: string) => {
    const response = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 11, data_content: { tag } });
    expectStatus(response, 201);
    return String(response.body.id);
  };
  const patch = async (businessId: string, id: string, round: number) => expectStatus(await api.request('PATCH', `/api/v1/data/${businessId}/${id}`, { data_content: { round } }), 200);

  it('holds the moved slot on the new owner while other slots flow, then publishes it in per-business order after the hand-off', async () => {
    const moving = businessOnShard(1, `${tag}-moving`);
    const slot = slotOf(moving);
    const other = businessOnShard(2, `${tag}-other`);
    // Before the move: written and published from the old owner.
    const before = await create(moving);
    await waitFor('the old owner to publish the first event', () => of(moving).length === 1, { timeoutMs: 20_000 });

    // Cutover: revoke on the old owner, grant the new one with the hold, flip (4.5 steps 1, 5, 6).
    const [planned] = await slotOwnershipOf(databases.control, [slot]);
    await revokeSlots(databases.shard(1), [slot]);
    await grantSlots(databases.shard(2), [slot], planned.epoch + 1, { publishHold: true });
    await flipSlots(databases.control, [slot], 2, planned.epoch);
    expect(await heldSlots(databases.shard(2))).toEqual([slot]);

    // Writes of the moved business land on the new owner (held); another business of the same shard flows.
    const a = await create(moving);
    const otherId = await create(other);
    const b = await create(moving);
    await patch(moving, a, 1);
    await patch(other, otherId, 1);
    await patch(moving, b, 1);
    await patch(moving, a, 2);
    await patch(other, otherId, 2);
    const [rows] = await databases.shard(2).raw('SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [moving]);
    expect(Number(rows[0].n)).toBe(2);

    await waitFor('the other business (3 events) published', () => firstDeliveries(of(other)).length === 3, { timeoutMs: 20_000 });
    await waitFor('the relay to report the hold', async () => (await heldGauge(2)) === 1, { timeoutMs: 5000 });
    // Give the relay more cycles: still nothing of the held slot is published, all 5 rows wait in the outbox.
    const published = relay.relay.status().find((s) => s.shard === 2)!.published;
    await waitFor('more relay cycles on shard 2', async () => {
      await create(other);
      return relay.relay.status().find((s) => s.shard === 2)!.published >= published + 3;
    }, { timeoutMs: 20_000 });
    expect(firstDeliveries(of(moving))).toEqual([`record-${before}#1`]);
    expect(await outboxRowsOfSlots(databases.shard(2), [slot])).toBe(5);
    expect(await heldGauge(1)).toBe(0);

    // Hand-off: the old owner's outbox has no row of the slot left, so the hold is cleared.
    expect(await outboxRowsOfSlots(databases.shard(1), [slot])).toBe(0);
    expect(await releasePublishHold(databases.shard(2), [slot])).toBe(1);
    await waitFor('the held events published', () => firstDeliveries(of(moving)).length === 6, { timeoutMs: 20_000 });
    expect(firstDeliveries(of(moving))).toEqual([`record-${before}#1`, `record-${a}#1`, `record-${b}#1`, `record-${a}#2`, `record-${b}#2`, `record-${a}#3`]);
    expect(streamOrderViolations(collector.messages)).toEqual([]);
    await waitFor('shard 2 outbox of the slot empty', async () => (await outboxRowsOfSlots(databases.shard(2), [slot])) === 0, { timeoutMs: 10_000 });
    await waitFor('the relay to report no hold', async () => (await heldGauge(2)) === 0, { timeoutMs: 5000 });
  });

  it('the whole hand-off: the old owner publishes its pending events of the slot first, the new owner once the old outbox has none of them', async () => {
    const moving = businessOnShard(3, `${tag}-handoff`);
    const slot = slotOf(moving);
    // The old owner's relay is on standby (the test holds its lease): its rows of the slot wait.
    const old = await create(moving);
    await patch(moving, old, 1);
    const [planned] = await slotOwnershipOf(databases.control, [slot]);
    await revokeSlots(databases.shard(3), [slot]);
    await grantSlots(databases.shard(0), [slot], planned.epoch + 1, { publishHold: true });
    await flipSlots(databases.control, [slot], 0, planned.epoch);
    const moved = await create(moving);
    await patch(moving, moved, 1);
    expect(await outboxRowsOfSlots(databases.shard(0), [slot])).toBe(2);
    // The hand-off has to wait: the old owner still holds two unpublished rows of the slot.
    expect(await handOffSlots(databases.shard(3), databases.shard(0), [slot])).toEqual({ done: false, sourceRows: 2 });
    expect(await heldSlots(databases.shard(0))).toEqual([slot]);
    const other = businessOnShard(0, `${tag}-flowing`);
    await create(other);
    await waitFor('shard 0 to publish another business', () => of(other).length > 0, { timeoutMs: 20_000 });
    expect(of(moving)).toEqual([]);

    await shard3Lease.release();
    await waitFor('the old owner outbox drained of the slot', async () => (await outboxRowsOfSlots(databases.shard(3), [slot])) === 0, { timeoutMs: 20_000 });
    expect(firstDeliveries(of(moving))).toEqual([`record-${old}#1`, `record-${old}#2`]);
    expect(await outboxRowsOfSlots(databases.shard(0), [slot])).toBe(2);
    expect(await handOffSlots(databases.shard(3), databases.shard(0), [slot])).toEqual({ done: true, released: 1 });
    expect(await handOffSlots(databases.shard(3), databases.shard(0), [slot])).toEqual({ done: true, released: 0 });
    await waitFor('the new owner events published', () => firstDeliveries(of(moving)).length === 4, { timeoutMs: 20_000 });
    expect(firstDeliveries(of(moving))).toEqual([`record-${old}#1`, `record-${old}#2`, `record-${moved}#1`, `record-${moved}#2`]);
  });
});
