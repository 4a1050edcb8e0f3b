import { randomUUID } from 'node:crypto';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { ApiHarness, startApi } from '../support/api-harness';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { BROKERS, eventKey, kafkaThroughProxy, outboxCounts, streamOrderViolations, testRelayConfig, testTopic, TopicCollector } from './relay-test-kit';

describe('relay: Kafka unreachable for a while (MariaDB + Kafka behind a TCP proxy)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let proxy: TcpProxy;
  let relay: RelayApp;
  let collector: TopicCollector;
  const topic = testTopic('down');
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    api = await startApi(dbs.config);
    const [host, port] = BROKERS[0].split(':');
    proxy = new TcpProxy(host, Number(port));
    await proxy.start();
    // Every connection of the relay's Kafka client (seed and advertised broker) goes through the proxy.
    relay = await startRelayApp(testRelayConfig(dbs.config, topic, { SHARDLINE_RELAY_BATCH_SIZE: '100', SHARDLINE_RELAY_ERROR_BACKOFF_MAX_MS: '500', SHARDLINE_RELAY_PUBLISH_TIMEOUT_MS: '2000' }), {
      kafka: kafkaThroughProxy(proxy.port),
    });
    await relay.started;
    collector = new TopicCollector(topic); // connects to the broker directly
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

  const ready = async () => (await fetch(`http://127.0.0.1:${relay.opsPort}/health/ready`)).status;

  it('keeps acknowledging writes and keeps every outbox row while Kafka is down, then drains the backlog in order', async () => {
    const before = await api.request('POST', '/api/v1/data/batch', {
      data: Array.from({ length: 20 }, (_, i) => ({ business_id: `${tag}-pre-${i % 4}`, user_id: 1, data_content: { i } })),
    });
    expect(before).toHaveStatus(201);
    await collector.waitForDistinct(20);
    expect(await ready()).toBe(200);

    await proxy.stop(); // the broker becomes unreachable for the relay (connections cut, new ones refused)

    const outage = await api.request('POST', '/api/v1/data/batch', {
      data: Array.from({ length: 300 }, (_, i) => ({ business_id: `${tag}-biz-${i % 12}`, user_id: 2, data_content: { i } })),
    });
    expect(outage).toHaveStatus(201); // commands never wait for Kafka
    const created = outage.body.results as Array<{ id: string; business_id: string }>;
    for (const round of [1, 2]) {
      const patched = await Promise.all(created.slice(0, 40).map((r) => api.request('PATCH', `/api/v1/data/${r.business_id}/${r.id}`, { data_content: { round } })));
      for (const r of patched) expect(r).toHaveStatus(200);
    }
    const written = 300 + 80;

    // The relay tried, failed, and kept every row.
    await waitFor(
      () => `publish failures (${JSON.stringify(relay.relay.status())})`,
      () => relay.relay.status().reduce((n, s) => n + s.publishErrors, 0) >= 2,
      { timeoutMs: 45_000 },
    );
    expect((await outboxCounts(databases)).reduce((a, b) => a + b, 0)).toBe(written);
    expect(await ready()).toBe(503);
    expect(collector.messages.filter((m) => m.envelope.business_id.startsWith(`${tag}-biz-`))).toHaveLength(0);
    const metrics = await (await fetch(`http://127.0.0.1:${relay.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/shardline_relay_publish_errors_total\{shard="\d",app="relay"\} [1-9]/);

    await proxy.start(); // Kafka is back

    await collector.waitForDistinct(20 + written, 60_000);
    await waitFor('outbox drained', async () => (await outboxCounts(databases)).every((n) => n === 0), { timeoutMs: 30_000 });
    // Nothing acknowledged is missing: every stored event is on the topic, first deliveries in stream order.
    const reader = new MysqlEventLogReader(databases);
    const onTopic = collector.distinct();
    for (const shard of databases.shardIndexes()) {
      for (const event of await reader.readEventsAfter(shard, '0', 10_000)) {
        expect(onTopic.has(eventKey({ stream_id: event.streamId, stream_version: event.streamVersion }))).toBe(true);
      }
    }
    expect(streamOrderViolations(collector.messages)).toEqual([]);
    await waitFor('ready again', async () => (await ready()) === 200, { timeoutMs: 30_000 });
  });
});
