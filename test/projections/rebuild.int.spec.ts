import type { Client } from '@elastic/elasticsearch';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { envelopeOf } from '@shardline/integration-events';
import { ElasticsearchRecordSearch, ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { newRebuildId } from '@shardline/projections';
import { ProjectionRunner, rebuildProjection } from '@shardline/projections/kafka';
import type { EnvelopeKeys } from '@shardline/projections';
import { userKeysConfigFromEnv } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { startApi, type ApiHarness } from '../support/api-harness';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { allDocuments, asMessages, createTestKafka, dropIndexBase, produce, randomTag, testEsClient, type TestKafka } from './projection-fixtures';

/**
 * Rebuild of the Elasticsearch read model from the event store of 4 real shards, while the live
 * projection keeps consuming and serving, with writes landing in every phase of the rebuild.
 * The write path is the real API; the test plays the relay (tables -> topic) so it controls when
 * events reach Kafka relative to the rebuild's phases.
 */
describe('projection rebuild (MySQL event store + Kafka -> fresh ES generation -> alias swap)', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;
  let reader: MysqlEventLogReader;
  let k: TestKafka;
  let client: Client;
  let base: string;
  let live: ElasticsearchRecordsSink;
  let runner: ProjectionRunner;
  let keys: EnvelopeKeys;
  const published = new Map<number, string>();
  /** What the write side acknowledged: record id -> last version and whether it is deleted. */
  const expected = new Map<string, { businessId: string; version: number; deleted: boolean }>();
  const tag = randomTag();

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    api = await startApi(dbs.config);
    databases = new ShardDatabases(dbs.config);
    reader = new MysqlEventLogReader(databases);
    k = await createTestKafka(tag, 4);
    client = testEsClient();
    base = `${tag}-records`;
    live = new ElasticsearchRecordsSink({ client, indexBase: base });
    // The api seals content at write time: the live projection and the rebuild open it with the users' keys.
    keys = cachedMysqlUserKeys(databases.control, userKeysConfigFromEnv({}));
    runner = new ProjectionRunner({ kafka: k.kafka, sink: live, topics: k.topics, groupId: `${tag}.live`, retry: { initialMs: 50, maxMs: 500 }, lagRefreshMs: 0, keys });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
    await k?.drop();
    if (client) {
      await dropIndexBase(client, base);
      await client.close();
    }
  });

  /** The relay's job, done by hand: publish every event not yet published, per shard in position order. */
  async function publishNew(): Promise<void> {
    for (const shard of databases.shardIndexes()) {
      for (;;) {
        const events = await reader.readEventsAfter(shard, published.get(shard) ?? '0', 500);
        if (events.length === 0) break;
        await produce(k.kafka, k.topics.events, asMessages(events.map(envelopeOf)));
        published.set(shard, events[events.length - 1].position);
      }
    }
  }

  /** Creates, updates and deletes records through the API (mixing new records and older ones). */
  async function workload(phase: string, creates: number): Promise<void> {
    const data = Array.from({ length: creates }, (_, i) => ({ business_id: `${tag}-biz-${i % 6}`, user_id: String(1 + (i % 4)), data_content: { phase, i, words: `${phase} item ${i}` } }));
    const created = await api.request('POST', '/api/v1/data/batch', { data });
    expect(created).toHaveStatus(201);
    for (const r of created.body.results) expected.set(r.id, { businessId: r.business_id, version: r.version, deleted: false });
    const alive = [...expected].filter(([, e]) => !e.deleted);
    for (const [id, e] of alive.filter((_, i) => i % 3 === 0)) {
      const res = await api.request('PATCH', `/api/v1/data/${e.businessId}/${id}`, { data_content: { [`patched_${phase}`]: true } });
      expect(res).toHaveStatus(200);
      e.version = res.body.version;
    }
    for (const [id, e] of alive.filter((_, i) => i % 7 === 3)) {
      const res = await api.request('DELETE', `/api/v1/data/${e.businessId}/${id}`);
      expect(res).toHaveStatus(200);
      e.version = res.body.version;
      e.deleted = true;
    }
  }

  async function liveCaughtUp(): Promise<void> {
    await waitFor('the live projection to catch up', async () => (await runner.lag()).events_behind === 0, { timeoutMs: 45_000, intervalMs: 200 });
  }

  it('rebuilds a read model identical to the live one (same documents, same versions) and swaps reads to it', async () => {
    await workload('a', 40);
    await publishNew();
    await liveCaughtUp();
    const search = new ElasticsearchRecordSearch(client, base);
    const alive = [...expected.values()].filter((e) => !e.deleted).length;
    // Visible after the index refresh (refresh_interval), polled rather than slept.
    await waitFor('phase a searchable', async () => (await search.searchRecords({ keyword: 'a item', sort: 'created_time_asc', page_size: 100 })).items.length === alive, { timeoutMs: 15_000, intervalMs: 200 });

    const rebuildId = newRebuildId();
    const report = await rebuildProjection({
      kafka: k.kafka,
      liveSink: live,
      reader,
      shards: databases.shardIndexes(),
      rebuildId,
      topics: k.topics,
      liveGroupId: `${tag}.live`,
      keys,
      replayBatchSize: 25,
      retry: { initialMs: 50, maxMs: 500 },
      catchUpTimeoutMs: 45_000,
      hooks: {
        // In the tables AND on the topic after the captured offsets: seen twice, harmless.
        afterOffsetsCaptured: async () => {
          await workload('b', 12);
          await publishNew();
        },
        // Only on the topic for the rebuild (after the table read): reaches it through the catch-up.
        afterReplay: async () => {
          await workload('c', 12);
          await publishNew();
          // The live read model keeps serving during the rebuild.
          const during = await search.searchRecords({ keyword: 'item', sort: 'created_time_asc', page_size: 100 });
          expect(during.items.length).toBeGreaterThan(0);
        },
        // During the handover the live runner writes both generations.
        afterHandover: async () => {
          expect((await live.generationState()).write).toEqual(['', rebuildId]);
          await workload('d', 12);
          await publishNew();
          await liveCaughtUp();
        },
      },
    });
    expect(report.replayedEvents).toBeGreaterThan(40);
    expect(report.replayRejections).toBe(0);
    expect(await live.generationState()).toEqual({ read: rebuildId, write: [rebuildId], rebuild: null });

    // Reads now go to the rebuilt generation only.
    const aliased = Object.keys(await client.indices.getAlias({ name: base }));
    expect(aliased.length).toBeGreaterThan(0);
    expect(aliased.every((index) => index.startsWith(`${base}-${rebuildId}-`))).toBe(true);

    // The old generation (fed by the live projection until the swap) and the rebuilt one are identical.
    const old = await allDocuments(client, `${base}-gen-initial`);
    const rebuilt = await allDocuments(client, `${base}-gen-${rebuildId}`);
    const strip = (d: object) => ({ ...d, _index: undefined });
    expect(rebuilt.size).toBe(expected.size);
    expect(old.size).toBe(expected.size);
    for (const [id, e] of expected) {
      const doc = rebuilt.get(id)!;
      expect({ id, version: doc?.version, esVersion: doc?._version, deleted: doc?.deleted }).toEqual({ id, version: e.version, esVersion: e.version, deleted: e.deleted });
      expect(strip(doc)).toEqual(strip(old.get(id)!));
    }

    // After the swap, new writes reach the served (rebuilt) generation through the live runner.
    await workload('e', 5);
    await publishNew();
    await liveCaughtUp();
    const served = await allDocuments(client, base);
    for (const [id, e] of expected) expect(served.get(id)?.version).toBe(e.version);
    const phaseE = [...served.values()].filter((d) => !d.deleted && (d.data_content as { phase?: string }).phase === 'e').map((d) => d.record_id);
    expect(phaseE.length).toBeGreaterThan(0);
    await waitFor('phase e searchable', async () => (await search.searchRecords({ keyword: 'e item', sort: 'relevance', page_size: 100 })).items.length === phaseE.length, { timeoutMs: 15_000, intervalMs: 200 });
    const found = await search.searchRecords({ keyword: 'e item', sort: 'relevance', page_size: 100 });
    expect(found.items.map((i) => i.id).sort()).toEqual(phaseE.sort());
  });
});
