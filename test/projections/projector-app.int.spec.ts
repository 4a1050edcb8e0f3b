import type { Client } from '@elastic/elasticsearch';
import { projectorConfigFromEnv } from '../../apps/projector/src/config';
import { startProjectorApp, type ProjectorApp } from '../../apps/projector/src/create-projector-app';
import { waitFor } from '../support/wait-for';
import { allDocuments, asMessages, createTestKafka, dropIndexBase, produce, projectorTestEnv, randomTag, RecordStory, testEsClient, type TestKafka } from './projection-fixtures';

/** The projector composition root: config from env, runners, and its ops port. */
describe('apps/projector', () => {
  let k: TestKafka;
  let client: Client;
  let base: string;
  let app: ProjectorApp;

  beforeAll(async () => {
    const tag = randomTag();
    k = await createTestKafka(tag, 2);
    client = testEsClient();
    base = `${tag}-records`;
    const config = projectorConfigFromEnv(projectorTestEnv(tag, k.topics, { SHARDLINE_PROJECTIONS: 'elasticsearch' }));
    app = await startProjectorApp(config);
    await app.started;
  });
  afterAll(async () => {
    await app?.stop();
    await k?.drop();
    await dropIndexBase(client, base);
    await client.close();
  });

  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${app.opsPort}${path}`);
    return { status: res.status, text: await res.text() };
  };

  it('refuses invalid configuration naming the variable', () => {
    expect(() => projectorConfigFromEnv({ SHARDLINE_PROJECTIONS: 'elasticsearch,solr' })).toThrow(/SHARDLINE_PROJECTIONS/);
    expect(() => projectorConfigFromEnv({ SHARDLINE_PROJECTOR_BATCH_SIZE: '0' })).toThrow(/SHARDLINE_PROJECTOR_BATCH_SIZE/);
  });

  it('projects events and serves readiness, lag and metrics on its ops port', async () => {
    await waitFor('ready', async () => (await get('/health/ready')).status === 200, { timeoutMs: 30_000, intervalMs: 200 });
    const story = new RecordStory(`biz-${base}`, '8', { hello: 'projector' }).update({ hello: 'again' });
    await produce(k.kafka, k.topics.events, asMessages(story.events));
    await waitFor('the record projected', async () => (await allDocuments(client, base)).get(story.id)?.version === 2, { timeoutMs: 30_000, intervalMs: 200 });
    await waitFor('lag 0', async () => JSON.parse((await get('/admin/lag')).text).projections[0].events_behind === 0, { timeoutMs: 30_000, intervalMs: 200 });
    const lag = JSON.parse((await get('/admin/lag')).text);
    expect(lag.projections[0]).toMatchObject({ projection: 'elasticsearch', group_id: `${base.replace('-records', '')}-projection-elasticsearch`, topic: k.topics.events, events_behind: 0 });
    // The app ensures its events topic with the production partition count (grown from 2 to 8).
    expect(lag.projections[0].partitions).toHaveLength(8);
    const metrics = await get('/metrics');
    expect(metrics.text).toContain('shardline_projection_events_applied_total{projection="elasticsearch",app="projector"} 2');
    expect(await get('/health/live')).toHaveStatus(200);
  });
});
