import { randomBytes, randomUUID } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import { ApiKeys } from '@shardline/auth';
import { MysqlApiKeyStore } from '@shardline/auth/mysql';
import { createKafka, ensureTopics, kafkaConfigFromEnv } from '@shardline/kafka';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { commandIntakeConfigFromEnv } from '../../apps/command-intake/src/config';
import { createCommandIntake, type CommandIntake } from '../../apps/command-intake/src/create-command-intake';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

describe('Kafka command intake with SHARDLINE_INTAKE_AUTH=keys: a message proves its right with its own key', () => {
  const tag = randomBytes(4).toString('hex');
  const topics = { commands: `t${tag}.records.commands`, results: `t${tag}.records.command-results` };
  const env = {
    SHARDLINE_AUTH: 'required',
    SHARDLINE_CACHE_KEY_PREFIX: `t${tag}:record:`,
    SHARDLINE_COMMANDS_TOPIC: topics.commands,
    SHARDLINE_COMMAND_RESULTS_TOPIC: topics.results,
    SHARDLINE_COMMAND_INTAKE_GROUP_ID: `t${tag}-intake`,
    SHARDLINE_WORKER_ID: '13',
    SHARDLINE_LOG_LEVEL: 'error',
    SHARDLINE_SAGAS_ENABLED: 'false',
  };
  const kafka = createKafka(kafkaConfigFromEnv(process.env, `test-${tag}`));
  const results: any[] = [];
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let intake: CommandIntake;
  let producer: Producer;
  let consumer: Consumer;
  const keys: Record<string, { token: string; key_id: string }> = {};
  const acme = `acme-${tag}`;

  async function send(value: Record<string, unknown>, authorization?: string): Promise<any> {
    const [meta] = await producer.send({
      topic: topics.commands,
      messages: [{ key: acme, value: JSON.stringify(value), headers: authorization === undefined ? {} : { authorization } }],
    });
    return waitFor(`the result of ${JSON.stringify(value).slice(0, 60)}`, () => results.find((r) => r.source.partition === meta.partition && r.source.offset === meta.baseOffset), { intervalMs: 50 });
  }
  const create = (business_id = acme) => ({ command_id: `c-${randomUUID()}`, type: 'create', business_id, user_id: 42, data_content: { n: 1 } });

  beforeAll(async () => {
    await ensureTopics(kafka, [
      { topic: topics.commands, numPartitions: 1 },
      { topic: topics.results, numPartitions: 1 },
    ]);
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    const apiKeys = new ApiKeys(new MysqlApiKeyStore(databases.control));
    keys.writer = await apiKeys.create({ name: 'producer', roles: ['writer'] });
    keys.reader = await apiKeys.create({ name: 'reader', roles: ['reader'] });
    keys.scoped = await apiKeys.create({ name: 'tenant', roles: ['writer'], business_prefixes: [acme] });
    const config = commandIntakeConfigFromEnv(env);
    intake = await createCommandIntake({ ...config, records: { ...config.records, sharding: dbs.config } });
    await intake.listen();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    consumer = kafka.consumer({ groupId: `t${tag}-results-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.results, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void results.push(JSON.parse(message.value!.toString())) });
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await intake?.close();
    await databases?.destroy();
    await dbs?.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.commands, topics.results] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('refuses a message without a key, with a bad or unknown key (401), or with a key lacking writer or scope (403), writing nothing', async () => {
    const missing = await send(create());
    expect(missing).toMatchObject({ status: 'error', http_status: 401, error: { code: 'AUTH.KEY_MISSING' } });
    expect(missing.command_id).toMatch(/^c-/);
    expect(await send(create(), 'Bearer nope')).toMatchObject({ http_status: 401, error: { code: 'AUTH.KEY_INVALID' } });
    expect(await send(create(), `Bearer sl_${keys.writer.key_id}_${'A'.repeat(43)}`)).toMatchObject({ http_status: 401, error: { code: 'AUTH.KEY_INVALID' } });
    expect(await send(create(), `Bearer ${keys.reader.token}`)).toMatchObject({ http_status: 403, error: { code: 'AUTH.ROLE_REQUIRED' } });
    expect(await send(create(`globex-${tag}`), `Bearer ${keys.scoped.token}`)).toMatchObject({ http_status: 403, error: { code: 'AUTH.OUT_OF_SCOPE' } });
    const batch = { command_id: `b-${randomUUID()}`, type: 'create_batch', data: [acme, `globex-${tag}`].map((business_id) => ({ business_id, user_id: 1, data_content: {} })) };
    expect(await send(batch, `Bearer ${keys.scoped.token}`)).toMatchObject({ http_status: 403, error: { code: 'AUTH.OUT_OF_SCOPE', details: [{ field: 'data[1].business_id' }] } });
    for (const shard of databases.shardIndexes()) {
      const [rows] = await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM events');
      expect(Number(rows[0].n)).toBe(0);
    }
  });

  it('runs a message with a good key, the key id as the actor of its events', async () => {
    for (const who of ['writer', 'scoped']) {
      const done = await send(create(), `Bearer ${keys[who].token}`);
      expect(done).toMatchObject({ status: 'ok', http_status: 201 });
      let actor: string | undefined;
      for (const shard of databases.shardIndexes()) {
        const [rows] = await databases.shard(shard).raw('SELECT JSON_VALUE(metadata, "$.actor") AS actor FROM events WHERE stream_id = ?', [`record-${done.result.id}`]);
        actor ??= rows[0]?.actor;
      }
      expect(actor).toBe(keys[who].key_id);
    }
  });
});
