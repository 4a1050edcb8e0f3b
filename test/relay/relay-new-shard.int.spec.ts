import { randomBytes } from 'node:crypto';
import { slotOf } from '@shardline/sharding';
import { createServerPool, ShardDatabases } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { addShard } from '../../migrations/migrate';
import { ApiHarness, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { moveSlotOwnership } from '../support/slot-ownership';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { testRelayConfig, testTopic, TopicCollector } from './relay-test-kit';

describe('relay: a shard registered while it runs is relayed too (docs/adr/0008)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let relay: RelayApp;
  let collector: TopicCollector;
  const topic = testTopic('new-shard');
  const extra = `t${randomBytes(4).toString('hex')}_new_shard`;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    const polling = { ...dbs.config, slotMapPollMs: 100 };
    api = await startApi(polling, { SHARDLINE_SAGAS_ENABLED: 'false' });
    relay = await startRelayApp(testRelayConfig(polling, topic));
    await relay.started;
    collector = new TopicCollector(topic);
    await collector.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await collector?.close();
    await api?.close();
    await databases?.destroy();
    const server = createServerPool(dbs.config.control);
    await server.raw(`DROP DATABASE IF EXISTS \`${extra}\``).finally(() => server.destroy());
    await dbs?.drop();
  });

  it('tails the new shard once registered, and publishes what is written there after a slot moved to it', async () => {
    expect(relay.relay.status().map((s) => s.shard)).toEqual([0, 1, 2, 3]);
    await addShard(dbs.config, `mysql://${dbs.config.control.host}:${dbs.config.control.port}/${extra}`);
    await waitFor('the relay to tail shard 4', () => relay.relay.status().some((s) => s.shard === 4), { timeoutMs: 5000 });
    databases.addShard(4, { ...dbs.config.control, database: extra });
    const businessId = businessOnShard(1);
    await moveSlotOwnership(databases, slotOf(businessId), 1, 4);
    // The api learns the map by polling or by its first fenced write: either way the record lands on shard 4.
    const created = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 5, data_content: { on: 'shard 4' } });
    expect(created).toHaveStatus(201);
    const [rows] = await databases.shard(4).raw('SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [businessId]);
    expect(Number(rows[0].n)).toBe(1);
    await waitFor('the record event on Kafka', () => collector.messages.some((m) => m.envelope.business_id === businessId), { timeoutMs: 20_000 });
    await waitFor('shard 4 outbox empty', async () => Number((await databases.shard(4).raw('SELECT COUNT(*) AS n FROM outbox'))[0][0].n) === 0, { timeoutMs: 10_000 });
  });
});
