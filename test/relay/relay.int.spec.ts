import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { monthKeyOf } from '@shardline/event-store';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { envelopeOf, openEnvelope } from '@shardline/integration-events';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { eventKey, openedEnvelopes, outboxCounts, relayUserKeys, streamOrderViolations, testRelayConfig, testTopic, TopicCollector } from './relay-test-kit';

describe('relay: outbox of every shard to Kafka (MariaDB + Kafka)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let relay: RelayApp;
  let collector: TopicCollector;
  const topic = testTopic('main');
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    api = await startApi(dbs.config);
    relay = await startRelayApp(testRelayConfig(dbs.config, topic, { SHARDLINE_RELAY_BATCH_SIZE: '50' }));
    await relay.started;
    collector = new TopicCollector(topic);
    await collector.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await collector?.close();
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('publishes every outbox event once, in order per stream, with the envelope of the stored event, and empties the outbox', async () => {
    const data = Array.from({ length: 200 }, (_, i) => ({ business_id: `${tag}-biz-${i % 20}`, user_id: 1000 + i, data_content: { i } }));
    const batch = await api.request('POST', '/api/v1/data/batch', { data });
    expectStatus(batch, 201);
    const created = batch.body.results as Array<{ id: string; business_id: string }>;
    for (const round of [1, 2]) {
      const patched = await Promise.all(
        created.slice(0, 50).map((r) => api.request('PATCH', `/api/v1/data/${r.business_id}/${r.id}`, { data_content: { round } })),
      );
      for (const response of patched) expectStatus(response, 200);
    }
    const deleted = await Promise.all(created.slice(0, 10).map((r) => api.request('DELETE', `/api/v1/data/${r.business_id}/${r.id}`)));
    for (const response of deleted) expectStatus(response, 200);
    const expected = 200 + 100 + 10;

    await collector.waitForDistinct(expected);
    await waitFor('outbox of every shard empty', async () => (await outboxCounts(databases)).every((n) => n === 0), { timeoutMs: 30_000 });
    const mine = collector.messages.filter((m) => m.envelope.business_id.startsWith(`${tag}-biz-`));
    expect(mine).toHaveLength(expected); // once each: nothing failed, so nothing was redelivered
    expect(streamOrderViolations(mine)).toEqual([]);

    // The envelope is exactly envelopeOf(the stored event), keyed by business_id, typed in the headers.
    const reader = new MysqlEventLogReader(databases);
    const stored = new Map<string, ReturnType<typeof envelopeOf>>();
    for (const shard of databases.shardIndexes()) {
      for (const event of await reader.readEventsAfter(shard, '0', 10_000)) stored.set(eventKey(envelopeOf(event)), envelopeOf(event));
    }
    // Sealed on the wire (envelope version 2: sealed when written, or by the relay when stored in
    // clear); opened with the user's key it is the stored event's envelope, opened the same way.
    const keys = relayUserKeys(databases);
    const opened = await openedEnvelopes(keys, mine);
    const storedKeys = await keys.existingKeys([...new Set([...stored.values()].map((e) => e.user_id))]);
    for (const [i, m] of mine.entries()) {
      const original = stored.get(eventKey(m.envelope))!;
      expect(opened[i]).toEqual(openEnvelope(original, storedKeys.get(original.user_id) ?? null));
      expect(m.envelope.envelope_version).toBe(2);
      expect(m.key).toBe(m.envelope.business_id);
      expect(m.headers).toMatchObject({ 'event-type': m.envelope.event_type, 'envelope-version': '2' });
    }
    expect(new Set(mine.map((m) => m.envelope.event_type))).toEqual(new Set(['RecordCreated', 'RecordUpdated', 'RecordDeleted']));
    // One partition per business: per-business order holds on the topic.
    const partitions = new Map<string, Set<number>>();
    for (const m of mine) partitions.set(m.key, (partitions.get(m.key) ?? new Set()).add(m.partition));
    expect([...partitions.values()].every((p) => p.size === 1)).toBe(true);
    expect(new Set(mine.map((m) => m.envelope.shard)).size).toBeGreaterThan(1);
  });

  it('publishes an event whose transaction commits late with a LOWER outbox id than rows already published (never skipped)', async () => {
    const shard = 0;
    const target = dbs.config.shards[shard];
    const held = await createConnection({ ...target, timezone: 'Z' });
    const business = businessOnShard(shard, `${tag}-late`);
    const recordId = String(7_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e9)));
    const streamId = `record-${recordId}`;
    const now = new Date();
    try {
      // A transaction that takes its event position and outbox id, then stays open.
      await held.query('BEGIN');
      await held.query(
        'INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time) VALUES (?, ?, 1, ?, 1, ?, ?, ?)',
        [
          monthKeyOf(now),
          streamId,
          'RecordCreated',
          JSON.stringify({ id: recordId, business_id: business, user_id: '77', data_content: { late: true }, created_time: now.toISOString() }),
          JSON.stringify({ eventId: `late-${recordId}`, commandId: `late-${recordId}`, correlationId: 'late', causationId: null, actor: null }),
          now,
        ],
      );
      const [[{ position: heldPosition }]] = (await held.query('SELECT LAST_INSERT_ID() AS position')) as any;
      await held.query('INSERT INTO outbox (stream_id, stream_version, month_key, partition_key, created_time) VALUES (?, 1, ?, ?, ?)', [
        streamId,
        monthKeyOf(now),
        business,
        now,
      ]);
      const [[{ id: heldOutboxId }]] = (await held.query('SELECT LAST_INSERT_ID() AS id')) as any;

      // Later commands on the same shard commit, get higher ids, and are published and deleted.
      const later = Array.from({ length: 20 }, (_, i) => ({ business_id: businessOnShard(shard, `${tag}-after-${i}`), user_id: 5, data_content: { i } }));
      const response = await api.request('POST', '/api/v1/data/batch', { data: later });
      expect(response).toHaveStatus(201);
      const laterIds = new Set((response.body.results as Array<{ id: string }>).map((r) => `record-${r.id}`));
      await waitFor(
        'the later events published',
        () => collector.messages.filter((m) => laterIds.has(m.envelope.stream_id)).length === 20,
        { timeoutMs: 30_000 },
      );
      let counts: number[] = [];
      await waitFor(() => `later rows deleted (outbox rows ${counts})`, async () => (counts = await outboxCounts(databases))[shard] === 0, { timeoutMs: 30_000 });
      const laterPositions = collector.messages.filter((m) => laterIds.has(m.envelope.stream_id)).map((m) => BigInt(m.envelope.position));
      expect(laterPositions.every((p) => p > BigInt(heldPosition))).toBe(true);
      const [[{ next }]] = (await databases
        .shard(shard)
        .raw("SELECT AUTO_INCREMENT AS next FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'outbox'")) as any;
      expect(BigInt(next)).toBeGreaterThan(BigInt(heldOutboxId) + 20n); // the published rows had higher ids
      expect(collector.messages.some((m) => m.envelope.stream_id === streamId)).toBe(false);

      await held.query('COMMIT');
      await waitFor('the late event published', () => collector.messages.some((m) => m.envelope.stream_id === streamId), { timeoutMs: 30_000 });
      await waitFor('late row deleted', async () => (await outboxCounts(databases))[shard] === 0, { timeoutMs: 30_000 });
      const late = collector.messages.find((m) => m.envelope.stream_id === streamId)!;
      expect(late.envelope).toMatchObject({ position: String(heldPosition), business_id: business, event_id: `late-${recordId}`, shard });
    } finally {
      await held.end();
    }
  });

  it('reports leadership, backlog and published counts on its ops port', async () => {
    const base = `http://127.0.0.1:${relay.opsPort}`;
    const admin = (await (await fetch(`${base}/admin/relay`)).json()) as any;
    expect(admin.topic).toBe(topic);
    expect(admin.shards.map((s: { leader: boolean }) => s.leader)).toEqual([true, true, true, true]);
    expect(admin.shards.reduce((sum: number, s: { published: number }) => sum + s.published, 0)).toBe(collector.messages.length);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready).toHaveStatus(200);
    expect(await ready.json()).toMatchObject({ ready: true, kafka: true, shards: [0, 1, 2, 3].map((shard) => ({ shard, ok: true })) });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/shardline_relay_leader\{shard="0",app="relay"\} 1/);
    expect(metrics).toMatch(/shardline_relay_published_events_total\{shard="\d",app="relay"\} [1-9]/);
    expect(metrics).toMatch(/shardline_relay_outbox_backlog_rows\{shard="0",app="relay"\} \d/);
    expect(metrics).toMatch(/shardline_relay_outbox_backlog_age_seconds\{shard="0",app="relay"\} /);
  });
});
