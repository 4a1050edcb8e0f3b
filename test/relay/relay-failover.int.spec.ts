import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { ApiHarness, startApi } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { childRelayEnv, eventKey, outboxCounts, streamOrderViolations, testRelayConfig, testTopic, TopicCollector, waitUntil } from './relay-test-kit';

const BATCH = 20;
const SHARDS = 4;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('relay: leader per shard, standby takes over when the leader is kill -9ed (MariaDB + Kafka, child process)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let leader: ChildApp;
  let leaderPort: number;
  let standby: RelayApp;
  let collector: TopicCollector;
  const topic = testTopic('failover');
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    dbs = await createTestDatabases(SHARDS);
    databases = new ShardDatabases(dbs.config);
    api = await startApi(dbs.config);
    leaderPort = await freePort();
    leader = new ChildApp(
      'relay-a',
      'apps/relay/src/main.ts',
      childRelayEnv(dbs.config, topic, { SHARDLINE_RELAY_OPS_PORT: String(leaderPort), SHARDLINE_RELAY_BATCH_SIZE: String(BATCH) }),
    ).start();
    await leader.waitUntilReady(`http://127.0.0.1:${leaderPort}/health/ready`);
    await waitUntil(async () => (await leaderStatus()).every((s) => s.leader), 30_000, () => 'the child relay leads every shard');
    standby = await startRelayApp(testRelayConfig(dbs.config, topic, { SHARDLINE_RELAY_BATCH_SIZE: String(BATCH) }));
    await standby.started;
    collector = new TopicCollector(topic);
    await collector.start();
  }, 120_000);
  afterAll(async () => {
    await leader?.kill9();
    await standby?.stop();
    await collector?.close();
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  async function leaderStatus(): Promise<Array<{ leader: boolean; published: number }>> {
    const response = await fetch(`http://127.0.0.1:${leaderPort}/admin/relay`);
    return ((await response.json()) as { shards: Array<{ leader: boolean; published: number }> }).shards;
  }

  async function write(count: number, round: string): Promise<void> {
    const data = Array.from({ length: count }, (_, i) => ({ business_id: `${tag}-${round}-${i % 16}`, user_id: 3, data_content: { i } }));
    const response = await api.request('POST', '/api/v1/data/batch', { data });
    expect(response.status).toBe(201);
  }

  it('publishes through one relay per shard, fails over on kill -9, and loses no event', async () => {
    // While the child holds every shard lock, the in-process relay stands by and publishes nothing.
    await write(200, 'calm');
    await collector.waitForDistinct(200);
    await waitUntil(async () => (await leaderStatus()).reduce((n, s) => n + s.published, 0) === 200, 30_000, () => 'the leader counted 200');
    expect(standby.relay.status().map((s) => [s.leader, s.published])).toEqual(Array.from({ length: SHARDS }, () => [false, 0]));

    // Mid-stream: a backlog is being published in batches of 20 when the leader dies without any cleanup.
    await write(2000, 'burst');
    await waitUntil(() => collector.distinct().size > 400, 30_000, () => 'the burst being published');
    await leader.kill9();
    const leftByLeader = (await outboxCounts(databases)).reduce((a, b) => a + b, 0);
    expect(leftByLeader).toBeGreaterThan(0); // it really died mid-stream
    await write(300, 'after');

    await waitUntil(() => standby.relay.status().every((s) => s.leader), 30_000, () => 'the standby took every shard');
    const total = 200 + 2000 + 300;
    await collector.waitForDistinct(total, 60_000);
    await waitUntil(async () => (await outboxCounts(databases)).every((n) => n === 0), 30_000, () => 'outbox drained');

    // No acknowledged event is missing.
    const onTopic = collector.distinct();
    const reader = new MysqlEventLogReader(databases);
    let stored = 0;
    for (const shard of databases.shardIndexes()) {
      for (const event of await reader.readEventsAfter(shard, '0', 10_000)) {
        stored += 1;
        expect(onTopic.has(eventKey({ stream_id: event.streamId, stream_version: event.streamVersion }))).toBe(true);
      }
    }
    expect(stored).toBe(total);
    expect(onTopic.size).toBe(total);

    // Duplicates are only the batches the dead leader had published but not yet deleted: at most one
    // in-flight batch per shard, each an identical copy of the first delivery.
    const duplicates = collector.messages.length - onTopic.size;
    expect(duplicates).toBeLessThanOrEqual(SHARDS * BATCH);
    for (const m of collector.messages) expect(m.envelope).toEqual(onTopic.get(eventKey(m.envelope))!.envelope);
    // Everything written after the kill can only have come from the standby.
    expect(standby.relay.status().reduce((n, s) => n + s.published, 0)).toBeGreaterThanOrEqual(300);
    expect(streamOrderViolations(collector.messages)).toEqual([]);
  });
});
