import { randomUUID } from 'node:crypto';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { ApiHarness, startApi } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { freePort } from '../support/free-port';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { childRelayEnv, eventKey, outboxCounts, streamOrderViolations, testRelayConfig, testTopic, TopicCollector } from './relay-test-kit';

const BATCH = 20;
const SHARDS = 4;

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
    leader = ChildApp.fromSource(
      'relay-a',
      'apps/relay/src/main.ts',
      childRelayEnv(dbs.config, topic, { SHARDLINE_RELAY_OPS_PORT: String(leaderPort), SHARDLINE_RELAY_BATCH_SIZE: String(BATCH) }),
    ).start();
    await leader.waitUntilReady(`http://127.0.0.1:${leaderPort}/health/ready`);
    await waitFor('the child relay leads every shard', async () => (await leaderStatus()).every((s) => s.leader), { timeoutMs: 30_000 });
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
    expect(response).toHaveStatus(201);
  }

  it('publishes through one relay per shard, fails over on kill -9, and loses no event', async () => {
    // While the child holds every shard lock, the in-process relay stands by and publishes nothing.
    await write(200, 'calm');
    await collector.waitForDistinct(200);
    await waitFor('the leader counted 200', async () => (await leaderStatus()).reduce((n, s) => n + s.published, 0) === 200, { timeoutMs: 30_000 });
    expect(standby.relay.status().map((s) => [s.leader, s.published])).toEqual(Array.from({ length: SHARDS }, () => [false, 0]));

    // Mid-stream: a backlog is being published in batches of 20 when the leader dies without any cleanup.
    await write(2000, 'burst');
    // Killed as soon as the leader itself counts the burst's first batches: waiting on the collector
    // (downstream, behind) let a fast leader publish the whole burst first on a fresh clone's CI run.
    const burstStarted = async () => (await leaderStatus()).reduce((n, s) => n + s.published, 0) >= 200 + 2 * BATCH;
    await waitFor('the burst being published', burstStarted, { timeoutMs: 30_000, intervalMs: 5 });
    await leader.kill9();
    const leftByLeader = (await outboxCounts(databases)).reduce((a, b) => a + b, 0);
    expect(leftByLeader).toBeGreaterThan(0); // it really died mid-stream
    await write(300, 'after');

    await waitFor('the standby took every shard', () => standby.relay.status().every((s) => s.leader), { timeoutMs: 30_000 });
    const total = 200 + 2000 + 300;
    await collector.waitForDistinct(total, 60_000);
    await waitFor('outbox drained', async () => (await outboxCounts(databases)).every((n) => n === 0), { timeoutMs: 30_000 });

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

  it('hands shards over without a single duplicate on graceful stops (in-process stop, then SIGTERM of a child)', async () => {
    // Now: the in-process relay leads every shard. A second child stands by.
    const childPort = await freePort();
    const child = ChildApp.fromSource(
      'relay-c',
      'apps/relay/src/main.ts',
      childRelayEnv(dbs.config, topic, { SHARDLINE_RELAY_OPS_PORT: String(childPort), SHARDLINE_RELAY_BATCH_SIZE: String(BATCH) }),
    ).start();
    let last: RelayApp | undefined;
    try {
      await child.waitUntilReady(`http://127.0.0.1:${childPort}/health/ready`);
      const childShards = async () => ((await (await fetch(`http://127.0.0.1:${childPort}/admin/relay`)).json()) as { shards: Array<{ leader: boolean }> }).shards;
      expect((await childShards()).map((s) => s.leader)).toEqual([false, false, false, false]);
      const before = collector.distinct().size;
      const mine = () => collector.messages.filter((m) => /-(g1|g2|g3)-/.test(m.envelope.business_id));

      await write(2000, 'g1');
      await waitFor('g1 being published', () => mine().length > 100, { timeoutMs: 30_000 });
      await standby.stop(); // graceful: the in-flight batch is published AND deleted before the locks go
      expect(await outboxCounts(databases).then((c) => c.reduce((a, b) => a + b, 0))).toBeGreaterThan(0);
      await waitFor('the child took every shard', async () => (await childShards()).every((s) => s.leader), { timeoutMs: 30_000 });
      await write(300, 'g2');

      last = await startRelayApp(testRelayConfig(dbs.config, topic, { SHARDLINE_RELAY_BATCH_SIZE: String(BATCH) }));
      await last.started;
      await write(2000, 'g3');
      await waitFor('g3 being published', () => mine().filter((m) => m.envelope.business_id.includes('-g3-')).length > 100, { timeoutMs: 30_000 });
      await child.stop('SIGTERM');
      expect(child.running).toBe(false);
      await waitFor('the last relay took every shard', () => last!.relay.status().every((s) => s.leader), { timeoutMs: 30_000 });

      await collector.waitForDistinct(before + 4300, 60_000);
      await waitFor('outbox drained', async () => (await outboxCounts(databases)).every((n) => n === 0), { timeoutMs: 30_000 });
      expect(mine()).toHaveLength(4300); // exactly once: graceful handovers republish nothing
      expect(streamOrderViolations(mine())).toEqual([]);
    } finally {
      await child.kill9();
      await last?.stop();
    }
  });
});
