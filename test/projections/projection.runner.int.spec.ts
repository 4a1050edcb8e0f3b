import type { Client } from '@elastic/elasticsearch';
import type { Kafka } from 'kafkajs';
import { createMetricsRegistry } from '@shardline/observability';
import { ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { ProjectionMetrics, type ProjectionSink, type ProjectionTopics } from '@shardline/projections';
import { DLQ_HEADERS, ProjectionRunner } from '@shardline/projections/kafka';
import { encodeEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { waitFor } from '../support/wait-for';
import { allDocuments, asMessages, createTestKafka, dropIndexBase, produce, randomTag, readTopic, RecordStory, shuffle, testEsClient, type TestKafka } from './projection-fixtures';

/** The projection runner between real Kafka and real Elasticsearch. */
describe('projection runner (Kafka -> Elasticsearch)', () => {
  let client: Client;
  let base: string;
  let es: ElasticsearchRecordsSink;
  const kafkas: TestKafka[] = [];
  const runners: ProjectionRunner[] = [];

  beforeAll(async () => {
    client = testEsClient();
    base = `${randomTag()}-records`;
    es = new ElasticsearchRecordsSink({ client, indexBase: base });
    await es.prepare();
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
  });
  afterAll(async () => {
    for (const k of kafkas) await k.drop();
    await dropIndexBase(client, base);
    await client.close();
  });

  async function freshTopics(partitions = 4): Promise<TestKafka> {
    const k = await createTestKafka(randomTag(), partitions);
    kafkas.push(k);
    return k;
  }

  function runner(kafka: Kafka, topics: ProjectionTopics, sink: ProjectionSink, extra: Partial<ConstructorParameters<typeof ProjectionRunner>[0]> = {}) {
    const r = new ProjectionRunner({ kafka, sink, topics, groupId: `${topics.events}.group`, retry: { initialMs: 50, maxMs: 500 }, lagRefreshMs: 0, ...extra });
    runners.push(r);
    return r;
  }

  async function groupOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map(group.partitions.map((p) => [p.partition, BigInt(p.offset)]));
    } finally {
      await admin.disconnect();
    }
  }

  async function expectProjected(stories: RecordStory[]) {
    await waitFor(
      'every record at its last version',
      async () => {
        const docs = await allDocuments(client, base);
        return stories.every((s) => docs.get(s.id)?.version === s.version);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const docs = await allDocuments(client, base);
    for (const s of stories) {
      expect(docs.get(s.id)).toMatchObject({ version: s.version, _version: s.version, deleted: s.deleted, business_id: s.businessId });
    }
  }

  it('projects a mixed stream with duplicates and out-of-order deliveries, reports lag, and commits on graceful stop', async () => {
    const { kafka, topics } = await freshTopics();
    const business = `biz-${randomTag()}`;
    const stories = Array.from({ length: 40 }, (_, i) => {
      const s = new RecordStory(`${business}-${i % 5}`, String(i + 1), { i });
      for (let v = 0; v < i % 3; v++) s.update({ i, v });
      if (i % 7 === 0) s.delete();
      return s;
    });
    const events = stories.flatMap((s) => s.events);
    await produce(kafka, topics.events, asMessages(shuffle([...events, ...shuffle(events, 5)], 9)));
    const registry = createMetricsRegistry('test', { defaultMetrics: false });
    const r = runner(kafka, topics, es, { metrics: new ProjectionMetrics(registry), batchSize: 17 });
    await r.start();
    await expectProjected(stories);

    await waitFor('lag 0', async () => (await r.lag()).events_behind === 0, { timeoutMs: 30_000, intervalMs: 200 });
    const lag = await r.lag();
    expect(lag).toMatchObject({ projection: 'elasticsearch', group_id: `${topics.events}.group`, topic: topics.events, events_behind: 0, seconds_behind: 0 });
    expect(lag.partitions).toHaveLength(4);
    expect(await registry.metrics()).toContain(`shardline_projection_events_applied_total{projection="elasticsearch",app="test"} ${events.length * 2}`);

    await r.stop();
    const committed = await groupOffsets(kafka, r.groupId, topics.events);
    for (const p of lag.partitions) expect(committed.get(p.partition)).toBe(p.high_watermark === '0' ? -1n : BigInt(p.high_watermark)); // -1: empty partition, nothing to commit
    const total = [...committed.values()].reduce((a, b) => a + (b > 0n ? b : 0n), 0n);
    expect(total).toBe(BigInt(events.length * 2));
  });

  it('dead-letters poison messages with their reason and moves on', async () => {
    const { kafka, topics } = await freshTopics(1);
    const business = `biz-${randomTag()}`;
    const before = new RecordStory(business, '1', { n: 1 });
    const breaksMapping = new RecordStory(business, '1');
    breaksMapping.events[0] = { ...breaksMapping.events[0], data: { ...breaksMapping.events[0].data, data_content: 'a string, not an object' } };
    const after = new RecordStory(business, '1', { n: 2 }).update({ n: 3 });
    const notJson = Buffer.from('{"envelope_version": 1, oops');
    const badEnvelope = encodeEnvelope({ ...before.events[0], record_id: 'not-a-number' } as RecordEventEnvelope);
    await produce(kafka, topics.events, [
      ...asMessages(before.events),
      { key: business, value: notJson },
      ...asMessages(breaksMapping.events),
      { key: business, value: badEnvelope },
      ...asMessages(after.events),
    ]);
    const r = runner(kafka, topics, es);
    await r.start();
    await expectProjected([before, after]);
    expect((await allDocuments(client, base)).has(breaksMapping.id)).toBe(false);

    const letters = await readTopic(kafka, topics.deadLetter, 3);
    expect(letters).toHaveLength(3);
    const byOffset = new Map(letters.map((m) => [m.headers![DLQ_HEADERS.sourceOffset]!.toString(), m]));
    const header = (offset: string, name: string) => byOffset.get(offset)!.headers![name]!.toString();
    expect(byOffset.get('1')!.value).toEqual(notJson);
    expect(header('1', DLQ_HEADERS.kind)).toBe('decode');
    expect(header('1', DLQ_HEADERS.reason)).toMatch(/not JSON/);
    expect(byOffset.get('2')!.value).toEqual(encodeEnvelope(breaksMapping.events[0]));
    expect(header('2', DLQ_HEADERS.kind)).toBe('rejected');
    expect(header('2', DLQ_HEADERS.reason)).toMatch(/data_content/);
    expect(header('3', DLQ_HEADERS.reason)).toMatch(/record_id/);
    for (const offset of ['1', '2', '3']) {
      expect(header(offset, DLQ_HEADERS.projection)).toBe('elasticsearch');
      expect(header(offset, DLQ_HEADERS.sourceTopic)).toBe(topics.events);
      expect(header(offset, DLQ_HEADERS.sourcePartition)).toBe('0');
      expect(byOffset.get(offset)!.key!.toString()).toBe(business);
    }
    await waitFor('poison committed past', async () => (await r.lag()).events_behind === 0, { timeoutMs: 30_000, intervalMs: 200 });
  });

  it('retries a failed apply without committing, then applies and commits (one document per record)', async () => {
    const { kafka, topics } = await freshTopics(1);
    const business = `biz-${randomTag()}`;
    const stories = Array.from({ length: 10 }, (_, i) => new RecordStory(business, '3', { i }).update({ i, again: true }));
    await produce(kafka, topics.events, asMessages(stories.flatMap((s) => s.events)));
    const groupId = `${topics.events}.group`;
    let calls = 0;
    const committedDuringRetry: Array<Map<number, bigint>> = [];
    const flaky: ProjectionSink = {
      name: 'elasticsearch',
      prepare: () => es.prepare(),
      async apply(events) {
        calls++;
        if (calls === 1) {
          await es.apply(events); // applied, but the "acknowledgement" is lost: the runner must not commit
          throw new Error('connection reset after the bulk request');
        }
        if (calls === 2) committedDuringRetry.push(await groupOffsets(kafka, groupId, topics.events));
        return es.apply(events);
      },
    };
    const r = runner(kafka, topics, flaky);
    await r.start();
    await expectProjected(stories);
    // The first (failed) apply already wrote the documents, so they can be visible before the
    // retry has read the group's offsets: wait for that reading rather than race it.
    await waitFor('the retry', () => committedDuringRetry.length > 0, { timeoutMs: 30_000, intervalMs: 100 });
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(committedDuringRetry[0].get(0)).toBe(-1n); // nothing committed while the batch was failing
    await waitFor('offset 20 committed', async () => (await groupOffsets(kafka, groupId, topics.events)).get(0) === 20n, { timeoutMs: 30_000, intervalMs: 200 });
    const docs = [...(await allDocuments(client, base)).values()].filter((d) => d.business_id === business);
    expect(docs).toHaveLength(10);
  });

  it('re-delivers a batch applied by a runner that died before committing (a new member takes over)', async () => {
    const { kafka, topics } = await freshTopics(1);
    const business = `biz-${randomTag()}`;
    const stories = Array.from({ length: 8 }, (_, i) => new RecordStory(business, '4', { i }).update({ i, v: 2 }).update({ i, v: 3 }));
    await produce(kafka, topics.events, asMessages(stories.flatMap((s) => s.events)));
    let release!: () => void;
    const hang = new Promise<void>((resolve) => (release = resolve));
    let zombieApplied = 0;
    const zombie: ProjectionSink = {
      name: 'elasticsearch',
      prepare: () => es.prepare(),
      async apply(events) {
        await es.apply(events);
        zombieApplied += events.length;
        await hang; // "killed" between apply and commit: no heartbeat, no commit
        return [];
      },
    };
    const seenBySuccessor: string[] = [];
    const successor: ProjectionSink = {
      name: 'elasticsearch',
      prepare: () => es.prepare(),
      async apply(events) {
        seenBySuccessor.push(...events.map((e) => e.event_id));
        return es.apply(events);
      },
    };
    const timeouts = { sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000 };
    const first = runner(kafka, topics, zombie, timeouts);
    await first.start();
    await waitFor('the first runner to apply', () => zombieApplied > 0, { timeoutMs: 30_000, intervalMs: 200 });
    await expectProjected(stories); // the first runner's writes are visible...
    expect((await groupOffsets(kafka, first.groupId, topics.events)).get(0)).toBe(-1n); // ...but uncommitted

    const second = runner(kafka, topics, successor, timeouts);
    await second.start();
    await waitFor('the successor to commit everything', async () => (await groupOffsets(kafka, first.groupId, topics.events)).get(0) === 24n, { timeoutMs: 45_000, intervalMs: 200 });
    expect(seenBySuccessor.length).toBeGreaterThanOrEqual(zombieApplied); // re-delivered
    release();
    const docs = [...(await allDocuments(client, base)).values()].filter((d) => d.business_id === business);
    expect(docs).toHaveLength(8);
    expect(docs.every((d) => d.version === 3 && d._version === 3)).toBe(true);
  });

  it('reports events and seconds behind while the read model is stuck', async () => {
    const { kafka, topics } = await freshTopics(1);
    const business = `biz-${randomTag()}`;
    const first = new RecordStory(business, '6');
    let open = true;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated: ProjectionSink = {
      name: 'elasticsearch',
      prepare: () => es.prepare(),
      async apply(events) {
        if (!open) await gate;
        return es.apply(events);
      },
    };
    const registry = createMetricsRegistry('test', { defaultMetrics: false });
    const r = runner(kafka, topics, gated, { metrics: new ProjectionMetrics(registry) });
    await produce(kafka, topics.events, asMessages(first.events));
    await r.start();
    await expectProjected([first]);
    await waitFor('caught up', async () => (await r.lag()).events_behind === 0, { timeoutMs: 30_000, intervalMs: 200 });
    open = false;
    const stuck = Array.from({ length: 5 }, () => new RecordStory(business, '6'));
    await produce(kafka, topics.events, asMessages(stuck.flatMap((s) => s.events)));
    await waitFor('5 events behind', async () => (await r.lag()).events_behind === 5, { timeoutMs: 30_000, intervalMs: 200 });
    const lag = await r.lag();
    expect(lag.seconds_behind).toBeGreaterThanOrEqual(0);
    expect(lag.partitions[0]).toMatchObject({ partition: 0, events_behind: 5, committed_offset: '1', high_watermark: '6' });
    expect(await registry.metrics()).toMatch(/shardline_projection_events_behind\{projection="elasticsearch",partition="0",app="test"\} 5/);
    release();
    await expectProjected(stuck);
    await waitFor('caught up again', async () => (await r.lag()).events_behind === 0, { timeoutMs: 30_000, intervalMs: 200 });
  });
});
