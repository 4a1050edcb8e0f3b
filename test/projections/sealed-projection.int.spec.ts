import type { Client } from '@elastic/elasticsearch';
import { encodeEnvelope, sealEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { DLQ_HEADERS } from '@shardline/projections/kafka';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { DEVELOPMENT_MASTER_KEY, KeyWrapping } from '@shardline/user-keys';
import { MysqlUserKeys } from '@shardline/user-keys/mysql';
import { projectorConfigFromEnv } from '../../apps/projector/src/config';
import { startProjectorApp, type ProjectorApp } from '../../apps/projector/src/create-projector-app';
import { clickhouse } from '../pipeline/pipeline-fixture';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { allDocuments, createTestKafka, dropIndexBase, produce, projectorTestEnv, sealedMessages, randomTag, readTopic, RecordStory, testEsClient, type TestKafka } from './projection-fixtures';

/**
 * Crypto-shredding end to end on the consumer side: the projector app (both read models, its keys
 * from a real control database) builds Elasticsearch and ClickHouse from sealed envelopes; once a
 * user's key is forgotten (and the key cache's TTL has passed) a fresh projection group re-consuming
 * the topic from the beginning into fresh read models gets only tombstones for that user.
 */
describe('projector on sealed envelopes (Kafka -> Elasticsearch + ClickHouse, keys in MariaDB)', () => {
  const TTL_MS = 400;
  const tag = randomTag();
  const ALICE = '501';
  const BOB = '502';
  const CAROL = '503';
  const aliceMarker = `aardvark${tag}`;
  const bobMarker = `bongo${tag}`;
  const carolMarker = `caracal${tag}`;
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let keys: MysqlUserKeys;
  let k: TestKafka;
  let client: Client;
  const apps: ProjectorApp[] = [];
  const generations: string[] = [];
  let alice: RecordStory[];
  let bob: RecordStory[];
  let rejected: RecordEventEnvelope;
  let tampered: RecordEventEnvelope;

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    databases = new ShardDatabases(dbs.config);
    keys = new MysqlUserKeys(databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
    k = await createTestKafka(tag, 2);
    client = testEsClient();
  });
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await k?.drop();
    for (const generation of generations) {
      await dropIndexBase(client, `${generation}-records`);
      await clickhouse(`DROP DATABASE IF EXISTS ${generation}_analytics`).catch(() => undefined);
    }
    await client?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  /** A projector app with its own consumer groups, index base and ClickHouse database. */
  async function projector(generation: string): Promise<ProjectorApp> {
    generations.push(generation);
    const app = await startProjectorApp(
      projectorConfigFromEnv(
        projectorTestEnv(generation, k.topics, {
          SHARDLINE_PROJECTIONS: 'elasticsearch,clickhouse',
          SHARDLINE_PROJECTOR_RETRY_MAX_MS: '1000',
          SHARDLINE_CONTROL_URL: dbs.controlUrl(),
          SHARDLINE_USER_KEY_CACHE_TTL_MS: String(TTL_MS),
        }),
      ),
    );
    apps.push(app);
    await app.started;
    return app;
  }

  /** Seals as the relay does: each user's key, created when missing. */
  const sealed = (events: RecordEventEnvelope[]) => sealedMessages(keys, events);

  async function expectProjected(generation: string, stories: RecordStory[]): Promise<void> {
    await waitFor(
      `${generation}: every record at its last version in Elasticsearch and ClickHouse`,
      async () => {
        const docs = await allDocuments(client, `${generation}-records`);
        if (!stories.every((s) => docs.get(s.id)?.version === s.version)) return false;
        const [[n]] = await clickhouse(`SELECT count() FROM ${generation}_analytics.records_latest FINAL WHERE record_id IN (${stories.map((s) => s.id).join(',')})`);
        const [[v]] = await clickhouse(`SELECT sum(version) FROM ${generation}_analytics.records_latest FINAL WHERE record_id IN (${stories.map((s) => s.id).join(',')})`);
        return Number(n) === stories.length && Number(v) === stories.reduce((sum, s) => sum + s.version, 0);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  it('builds both read models with the content of sealed envelopes; the topic itself holds no plaintext', async () => {
    const business = `biz-${tag}`;
    alice = Array.from({ length: 3 }, (_, i) => new RecordStory(business, ALICE, { note: `${aliceMarker} ${i}` }).update({ note: `${aliceMarker} v2 ${i}` }));
    bob = Array.from({ length: 3 }, (_, i) => new RecordStory(business, BOB, { note: `${bobMarker} ${i}` }));
    await produce(k.kafka, k.topics.events, await sealed([...alice, ...bob].flatMap((s) => s.events)));
    const raw = await readTopic(k.kafka, k.topics.events, 9);
    for (const m of raw) expect(m.value!.toString()).not.toMatch(new RegExp(`${aliceMarker}|${bobMarker}`));

    await projector(`${tag}a`);
    await expectProjected(`${tag}a`, [...alice, ...bob]);
    const docs = await allDocuments(client, `${tag}a-records`);
    for (const s of [...alice, ...bob]) expect(docs.get(s.id)).toMatchObject({ deleted: false, data_content: s.currentContent });
    const latest = await clickhouse(`SELECT toString(record_id), data FROM ${tag}a_analytics.records_latest FINAL WHERE business_id = '${business}'`);
    expect(new Map(latest.map(([id, data]) => [id, JSON.parse(data)]))).toEqual(new Map([...alice, ...bob].map((s) => [s.id, s.currentContent])));
  });

  it('dead-letters sealed poison with its ORIGINAL, still sealed bytes: a rejected event and a tampered seal', async () => {
    const business = `poison-${tag}`;
    const story = new RecordStory(business, CAROL, { note: carolMarker });
    rejected = { ...story.events[0], data: { ...story.events[0].data, data_content: `${carolMarker} is a string, not an object` } };
    const [rejectedMessage] = await sealed([rejected]);
    const other = new RecordStory(business, CAROL, { note: carolMarker });
    const [good] = await sealed(other.events);
    tampered = { ...(JSON.parse(good.value.toString()) as RecordEventEnvelope), stream_version: 7 };
    await produce(k.kafka, k.topics.events, [rejectedMessage, { key: business, value: encodeEnvelope(tampered) }]);

    // Both projections dead-letter both messages.
    const letters = await readTopic(k.kafka, k.topics.deadLetter, 4, 60_000);
    for (const letter of letters) expect(letter.value!.toString()).not.toContain(carolMarker);
    const kinds = new Map(letters.map((l) => [l.value!.equals(rejectedMessage.value) ? 'rejected' : 'tampered', l.headers![DLQ_HEADERS.kind]!.toString()]));
    expect(kinds).toEqual(new Map([['rejected', 'rejected'], ['tampered', 'decode']]));
    expect(letters.filter((l) => l.value!.equals(encodeEnvelope(tampered)))).toHaveLength(2);
  });

  it('after forget and the cache TTL, the live projector tombstones the erased user\'s newer events', async () => {
    const aliceKey = (await keys.existingKeys([ALICE])).get(ALICE)!;
    expect(await keys.forget(ALICE)).toBe(true);
    await new Promise((r) => setTimeout(r, TTL_MS + 100));
    // An update sealed with the forgotten key (by a relay that had cached it until just before the forget).
    const late = alice[0].update({ note: `${aliceMarker} late` });
    await produce(k.kafka, k.topics.events, [{ key: late.businessId, value: encodeEnvelope(sealEnvelope(late.events[late.version - 1], aliceKey)) }]);
    await expectProjected(`${tag}a`, [alice[0]]);
    // A tombstone at the newer version replaces the whole document: the content is gone from the live read model too.
    const doc = (await allDocuments(client, `${tag}a-records`)).get(alice[0].id)!;
    expect(doc).toMatchObject({ version: 3, deleted: true });
    expect(JSON.stringify(doc)).not.toContain(aliceMarker);
  });

  it('a fresh projection group re-consuming the topic from the beginning gets only tombstones for the erased user, content for the others', async () => {
    await projector(`${tag}b`);
    const everyone = [...alice, ...bob];
    await expectProjected(`${tag}b`, everyone);
    const docs = await allDocuments(client, `${tag}b-records`);
    for (const s of alice) {
      const doc = docs.get(s.id)!;
      expect(doc).toMatchObject({ deleted: true, version: s.version });
      expect(doc.data_content).toBeUndefined();
      expect(doc.data_text).toBeUndefined();
    }
    for (const s of bob) expect(docs.get(s.id)).toMatchObject({ deleted: false, data_content: s.currentContent });
    expect(JSON.stringify([...docs.values()])).not.toContain(aliceMarker);

    const db = `${tag}b_analytics`;
    const aliceIds = alice.map((s) => s.id).join(',');
    expect(await clickhouse(`SELECT DISTINCT deleted, data FROM ${db}.records_latest FINAL WHERE record_id IN (${aliceIds})`)).toEqual([['1', '']]);
    expect(await clickhouse(`SELECT DISTINCT event_type FROM ${db}.record_events FINAL WHERE record_id IN (${aliceIds})`)).toEqual([['RecordErased']]);
    expect(await clickhouse(`SELECT count() FROM ${db}.record_events WHERE position(data, '${aliceMarker}') > 0`)).toEqual([['0']]);
    expect(await clickhouse(`SELECT count() FROM ${db}.records_latest FINAL WHERE user_id = ${BOB} AND deleted = 0`)).toEqual([['3']]);
  });
});
