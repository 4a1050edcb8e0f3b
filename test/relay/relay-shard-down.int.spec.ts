import { randomUUID } from 'node:crypto';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { ApiHarness, startApi } from '../support/api-harness';
import { TcpProxy } from '../support/tcp-proxy';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { outboxCounts, testRelayConfig, testTopic, TopicCollector } from './relay-test-kit';

const DOWN = 1;

describe('relay: one shard unreachable for the relay (MariaDB behind a TCP proxy + Kafka)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let proxy: TcpProxy;
  let relay: RelayApp;
  let collector: TopicCollector;
  const topic = testTopic('shard-down');
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    api = await startApi(dbs.config); // the API reaches both shards directly
    const target = dbs.config.shards[DOWN];
    proxy = new TcpProxy(target.host, target.port);
    await proxy.start();
    // The relay's pool AND its lock connection for shard 1 go through the proxy.
    relay = await startRelayApp(testRelayConfig(dbs.withShardAt(DOWN, '127.0.0.1', proxy.port), topic, { SHARDLINE_RELAY_ERROR_BACKOFF_MAX_MS: '300' }));
    await relay.started;
    collector = new TopicCollector(topic);
    await collector.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await proxy?.stop();
    await collector?.close();
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  const write = async (shard: number, round: string, count: number) => {
    const data = Array.from({ length: count }, (_, i) => ({ business_id: businessOnShard(shard, `${tag}-${round}-${i % 5}`, 2), user_id: 9, data_content: { i } }));
    expect(await api.request('POST', '/api/v1/data/batch', { data })).toHaveStatus(201);
  };
  const fromShard = (shard: number) => collector.messages.filter((m) => m.envelope.shard === shard).length;

  it('keeps relaying the other shards, stands down on the lost one, and resumes it when it returns', async () => {
    await waitFor('leader of both shards', () => relay.relay.status().every((s) => s.leader), { timeoutMs: 30_000 });
    await proxy.stop();
    await waitFor('the lost lock connection noticed', () => !relay.relay.status()[DOWN].leader, { timeoutMs: 30_000 });

    await write(0, 'up', 50);
    await write(DOWN, 'down', 50);
    await waitFor(() => `shard 0 published (${fromShard(0)})`, () => fromShard(0) === 50, { timeoutMs: 30_000 });
    expect(relay.relay.status()[0].leader).toBe(true);
    expect(fromShard(DOWN)).toBe(0);
    expect((await outboxCounts(databases))[DOWN]).toBe(50);
    const ready = await fetch(`http://127.0.0.1:${relay.opsPort}/health/ready`);
    expect(ready).toHaveStatus(503);
    expect(((await ready.json()) as { shards: unknown }).shards).toEqual([
      { shard: 0, ok: true },
      { shard: DOWN, ok: false },
    ]);

    await proxy.start();
    await waitFor(() => `shard ${DOWN} published after it returned (${fromShard(DOWN)})`, () => fromShard(DOWN) === 50, { timeoutMs: 30_000 });
    await waitFor('outbox drained', async () => (await outboxCounts(databases)).every((n) => n === 0), { timeoutMs: 30_000 });
    expect(relay.relay.status().every((s) => s.leader)).toBe(true);
    expect(collector.messages).toHaveLength(100);
  });
});
