import { randomUUID } from 'node:crypto';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { relayConfigFromEnv } from '../../apps/relay/src/config';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { openedEnvelopes, relayUserKeys, testRelayConfig, testTopic, TopicCollector } from './relay-test-kit';

/** Crypto-shredding of the Kafka copies, at the relay: what the broker holds is sealed, and an erased user's later events go out as erasures. */
describe('relay sealing (MariaDB + Kafka)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let relay: RelayApp;
  let collector: TopicCollector;
  const topic = testTopic('sealing');
  const marker = `okapi-${randomUUID().slice(0, 8)}`;
  const business = `seal-${randomUUID().slice(0, 8)}`;
  const TTL_MS = 300;

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    // The api stores content in clear here: this spec is about the relay sealing what reaches it in clear
    // (events written before write-time sealing, or with SHARDLINE_SEAL_CONTENT=false).
    api = await startApi(dbs.config, { SHARDLINE_SEAL_CONTENT: 'false' });
    relay = await startRelayApp(testRelayConfig(dbs.config, topic, { SHARDLINE_USER_KEY_CACHE_TTL_MS: String(TTL_MS) }));
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

  const mine = () => collector.messages.filter((m) => m.envelope.business_id === business);

  it('puts no plaintext content on the topic: every message is sealed (version 2) and opens with its user key', async () => {
    const created = await api.request('POST', '/api/v1/data/batch', {
      data: Array.from({ length: 20 }, (_, i) => ({ business_id: business, user_id: 100 + (i % 4), data_content: { note: `${marker} ${i}` } })),
    });
    expectStatus(created, 201);
    const first = created.body.results[0] as { id: string };
    expectStatus(await api.request('PATCH', `/api/v1/data/${business}/${first.id}`, { data_content: { patched: marker } }), 200);
    await collector.waitForDistinct(21);

    expect(mine()).toHaveLength(21);
    for (const m of mine()) {
      expect(m.value.includes(marker)).toBe(false);
      expect(m.envelope).toMatchObject({ envelope_version: 2, data: { sealed: { alg: 'A256GCM' } } });
      expect(m.headers['envelope-version']).toBe('2');
    }
    const opened = await openedEnvelopes(relayUserKeys(databases), mine());
    expect(opened.filter((e) => JSON.stringify(e.data.data_content).includes(marker))).toHaveLength(21);
    expect(opened.find((e) => e.event_type === 'RecordUpdated')!.data.patch).toEqual({ patched: marker });
    const [[{ n }]] = await databases.control.raw('SELECT COUNT(*) AS n FROM user_keys WHERE wrapped_key IS NOT NULL');
    expect(Number(n)).toBe(4); // one key per user, however many events
  });

  it('after forget (and the cache TTL), a new event of the erased user goes out as RecordErased, with no key re-created', async () => {
    const keys = relayUserKeys(databases);
    expect(await keys.forget('100')).toBe(true);
    await new Promise((r) => setTimeout(r, TTL_MS + 50));
    const before = mine().length;
    const created = await api.request('POST', '/api/v1/data/single', { business_id: business, user_id: 100, data_content: { note: `${marker} after` } });
    expectStatus(created, 201);
    await collector.waitForDistinct(before + 1);
    const after = mine().find((m) => m.envelope.record_id === created.body.id)!;
    expect(after.envelope).toMatchObject({ envelope_version: 1, event_type: 'RecordErased', stream_version: 1, data: { id: created.body.id, user_id: '100', erased: true } });
    expect(after.value.includes(marker)).toBe(false);
    expect((await keys.existingKeys(['100'])).get('100')).toBeNull();
  });

  it('is on by default and can be turned off; anything else is refused naming the variable', () => {
    expect(relayConfigFromEnv({}).seal).toBe(true);
    expect(relayConfigFromEnv({ SHARDLINE_RELAY_SEAL: 'false' }).seal).toBe(false);
    expect(() => relayConfigFromEnv({ SHARDLINE_RELAY_SEAL: 'yes' })).toThrow(/SHARDLINE_RELAY_SEAL/);
    expect(() => relayConfigFromEnv({ SHARDLINE_USER_KEY_MASTER: 'c2hvcnQ=' })).toThrow(/SHARDLINE_USER_KEY_MASTER/);
  });
});
