import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Consumer, Producer } from 'kafkajs';
import { createKafka, ensureTopics, kafkaConfigFromEnv } from '@shardline/kafka';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { commandIntakeConfigFromEnv } from '../../apps/command-intake/src/config';
import { createCommandIntake, type CommandIntake } from '../../apps/command-intake/src/create-command-intake';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { ApiHarness } from '../support/api-harness';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { commandMessageValues, problemsOf } from '../fuzz/command-message-arbitraries';
import { FUZZ_SEED } from '../fuzz/fuzz-support';

interface Result {
  key: string | null;
  headers: Record<string, string>;
  value: any;
}

describe('Kafka command intake (records.commands -> handlers -> records.command-results)', () => {
  const tag = randomBytes(4).toString('hex');
  const topics = { commands: `t${tag}.records.commands`, results: `t${tag}.records.command-results` };
  const env = {
    SHARDLINE_CACHE_KEY_PREFIX: `t${tag}:record:`,
    SHARDLINE_COMMANDS_TOPIC: topics.commands,
    SHARDLINE_COMMAND_RESULTS_TOPIC: topics.results,
    SHARDLINE_COMMAND_INTAKE_GROUP_ID: `t${tag}-intake`,
    SHARDLINE_WORKER_ID: '11',
    SHARDLINE_LOG_LEVEL: 'error',
    SHARDLINE_SAGA_QUEUE_PREFIX: `t${tag}`,
    SHARDLINE_SAGA_RETRY_BACKOFF_MS: '20',
  };
  const kafka = createKafka(kafkaConfigFromEnv(process.env, `test-${tag}`));
  const results: Result[] = [];
  let dbs: TestDatabases;
  let intake: CommandIntake;
  let intakeConfig: ReturnType<typeof commandIntakeConfigFromEnv>;
  let query: ApiHarness;
  let producer: Producer;
  let consumer: Consumer;
  let databases: ShardDatabases;
  const biz = `kafka-${tag}`;

  /** Sends one message and waits for the result about it (by command id, else by its offset). */
  async function send(value: unknown, key: string | null = biz): Promise<Result> {
    const raw = typeof value === 'string' ? value : JSON.stringify(value);
    const [meta] = await producer.send({ topic: topics.commands, messages: [{ key, value: raw }] });
    const commandId = typeof value === 'object' && value ? (value as { command_id?: unknown }).command_id : undefined;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = results.find((r) => r.value.source.partition === meta.partition && r.value.source.offset === meta.baseOffset);
      if (found) {
        if (typeof commandId === 'string') expect(found.value.command_id).toBe(commandId);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no result for ${raw.slice(0, 80)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const read = (id: string) => query.request('GET', `/api/v1/data/${biz}/${id}`);

  beforeAll(async () => {
    await ensureTopics(kafka, [
      { topic: topics.commands, numPartitions: 2 },
      { topic: topics.results, numPartitions: 2 },
    ]);
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    const config = commandIntakeConfigFromEnv({ SHARDLINE_AUTH: 'off', ...env });
    intakeConfig = { ...config, records: { ...config.records, sharding: dbs.config } };
    intake = await createCommandIntake(intakeConfig);
    await intake.listen();
    query = await startQueryApi(dbs.config, { SHARDLINE_CACHE_KEY_PREFIX: env.SHARDLINE_CACHE_KEY_PREFIX });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    consumer = kafka.consumer({ groupId: `t${tag}-results-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.results, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        results.push({ key: message.key?.toString() ?? null, headers, value: JSON.parse(message.value!.toString()) });
      },
    });
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await intake?.close();
    await query?.close();
    await databases?.destroy();
    await dbs?.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.commands, topics.results] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates, updates and deletes through Kafka; the results correlate by command id and the reads agree', async () => {
    const created = await send({ command_id: `c-${randomUUID()}`, type: 'create', business_id: biz, user_id: 42, data_content: { n: 1 } });
    expect(created.key).toBe(biz);
    expect(created.headers.command_id).toBe(created.value.command_id);
    expect(created.value).toMatchObject({ status: 'ok', http_status: 201, replayed: false, result: { business_id: biz, user_id: '42', version: 1 } });
    const id = created.value.result.id as string;
    for (let i = 0; i < 2; i++) expect((await read(id)).body.data_content).toEqual({ n: 1 }); // now cached by the query API

    const updated = await send({ command_id: `u-${randomUUID()}`, type: 'update', business_id: biz, id, data_content: { n: 2, m: true }, expected_version: 1 });
    expect(updated.value).toMatchObject({ status: 'ok', http_status: 200, result: { version: 2, data_content: { n: 2, m: true } } });
    expect((await read(id)).body).toMatchObject({ version: 2, data_content: { n: 2, m: true } });

    const conflict = await send({ command_id: `u-${randomUUID()}`, type: 'update', business_id: biz, id, data_content: { n: 3 }, expected_version: 1 });
    expect(conflict.value).toMatchObject({ status: 'error', http_status: 409, error: { code: 'RECORD.VERSION_CONFLICT' } });

    const deleted = await send({ command_id: `d-${randomUUID()}`, type: 'delete', business_id: biz, id });
    expect(deleted.value).toMatchObject({ status: 'ok', http_status: 200, result: { id, version: 3, deleted: true } });
    expect(await read(id)).toHaveStatus(404);

    const batch = await send({ command_id: `b-${randomUUID()}`, type: 'create_batch', data: [0, 1, 2].map((i) => ({ business_id: biz, user_id: 1, data_content: { i } })) }, 'batch-key');
    expect(batch.key).toBe('batch-key');
    expect(batch.value).toMatchObject({ status: 'ok', http_status: 201, result: { created: 3, failed: 0 } });
    expect((await read(batch.value.result.results[2].id)).body.data_content).toEqual({ i: 2 });
  });

  it('an atomic create_batch runs the atomic-batch saga: one result once committed, the records readable', async () => {
    const worker = await startSagaWorkerApp(
      sagaWorkerConfigFromEnv({ ...env, SHARDLINE_SAGA_OPS_PORT: '0', SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() }),
    );
    try {
      await worker.started;
      const data = [0, 1, 2, 3, 4, 5].map((i) => ({ business_id: `${biz}-atomic-${i}`, user_id: 7, data_content: { i } }));
      const batch = await send({ command_id: `atomic-${randomUUID()}`, type: 'create_batch', atomic: true, data }, 'atomic-key');
      expect(batch.value).toMatchObject({ status: 'ok', http_status: 201, result: { created: 6, failed: 0 } });
      const third = batch.value.result.results[2];
      expect((await query.request('GET', `/api/v1/data/${third.business_id}/${third.id}`)).body.data_content).toEqual({ i: 2 });
    } finally {
      await worker.stop();
    }
  });

  it('answers every invalid message with an error result naming the field, and keeps consuming', async () => {
    const notJson = await send('{"command_id": "x", oops', 'bad-key');
    expect(notJson.key).toBe('bad-key');
    expect(notJson.value).toMatchObject({ command_id: null, status: 'error', http_status: 400, error: { code: 'INVALID_JSON' } });

    const unkeyed = await send('plain text', null);
    expect(unkeyed.key).toBe(`${topics.commands}/${unkeyed.value.source.partition}/${unkeyed.value.source.offset}`);
    expect(unkeyed.value.error.code).toBe('INVALID_JSON');

    const noId = await send({ type: 'create', business_id: biz, user_id: 1, data_content: {} });
    expect(noId.value).toMatchObject({ command_id: null, http_status: 400, error: { details: [{ field: 'command_id' }] } });

    const unknownType = await send({ command_id: `t-${randomUUID()}`, type: 'frobnicate' });
    expect(unknownType.value).toMatchObject({ status: 'error', http_status: 400, error: { details: [{ field: 'type' }] } });
    expect(unknownType.headers.command_id).toBe(unknownType.value.command_id);

    const badField = await send({ command_id: `f-${randomUUID()}`, type: 'create', business_id: biz, user_id: 0, data_content: {} });
    expect(badField.value).toMatchObject({ status: 'error', http_status: 400, error: { code: 'VALIDATION_FAILED', details: [{ field: 'user_id' }] } });
    const badBatch = await send({ command_id: `f-${randomUUID()}`, type: 'create_batch', data: [{ business_id: biz, user_id: 1, data_content: {} }, { business_id: biz, user_id: 1, data_content: 5 }] });
    expect(badBatch.value.error.details).toEqual([{ field: 'data[1].data_content', message: expect.any(String) }]);
    const unknownField = await send({ command_id: `f-${randomUUID()}`, type: 'delete', business_id: biz, id: '1', force: true });
    expect(unknownField.value.error.details).toEqual([{ field: 'force', message: 'is not a known field' }]);
    const tooBig = await send({ command_id: `f-${randomUUID()}`, type: 'create', business_id: biz, user_id: 1, data_content: { big: 'x'.repeat(70_000) } });
    expect([tooBig.value.http_status, tooBig.value.error.details[0].field]).toEqual([413, 'data_content']);

    // Still consuming after all that.
    const good = await send({ command_id: `g-${randomUUID()}`, type: 'create', business_id: biz, user_id: 1, data_content: { ok: true } });
    expect(good.value).toMatchObject({ status: 'ok', http_status: 201 });
  });

  it('a redelivered command id returns the first result and writes once; a reused id with another body is refused', async () => {
    const owner = `${biz}-dup`;
    const command = { command_id: `dup-${randomUUID()}`, type: 'create', business_id: owner, user_id: 5, data_content: { once: true } };
    const first = await send(command, owner);
    const second = await send(command, owner);
    expect(first.value.status).toBe('ok');
    expect(second.value).toMatchObject({ status: 'ok', http_status: 201, replayed: true });
    expect(second.value.result).toEqual(first.value.result);
    const shard = await Promise.all(
      dbs.config.shards.map(async (_, i) => (await databases.shard(i).raw('SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [owner]))[0][0].n),
    );
    expect(shard.map(Number).reduce((a, b) => a + b)).toBe(1);
    const reused = await send({ ...command, user_id: 6 }, owner);
    expect(reused.value).toMatchObject({ status: 'error', http_status: 422, error: { code: 'IDEMPOTENCY_KEY.REUSED' } });
  });

  it('after a crash-like restart that redelivers every command from the start, results are replayed and nothing is written twice', async () => {
    const countRecords = async () => {
      let n = 0;
      for (let i = 0; i < dbs.config.shards.length; i++) n += Number((await databases.shard(i).raw('SELECT COUNT(*) AS n FROM records'))[0][0].n);
      return n;
    };
    const rowsBefore = await countRecords();
    const eventsBefore = await Promise.all(dbs.config.shards.map(async (_, i) => Number((await databases.shard(i).raw('SELECT COUNT(*) AS n FROM events'))[0][0].n)));
    const firstPass = [...results];
    await intake.close();
    // As if the intake had died before committing anything: the group starts over from the beginning.
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: env.SHARDLINE_COMMAND_INTAKE_GROUP_ID, topic: topics.commands, earliest: true });
    await admin.disconnect();
    intake = await createCommandIntake(intakeConfig);
    await intake.listen();
    const deadline = Date.now() + 45_000;
    while (results.length < 2 * firstPass.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(results.length).toBe(2 * firstPass.length);
    const secondPass = results.slice(firstPass.length);
    for (const first of firstPass.filter((r) => r.value.status === 'ok' && r.value.command_id)) {
      const again = secondPass.find((r) => r.value.command_id === first.value.command_id && r.value.source.offset === first.value.source.offset);
      expect(again?.value.status).toBe('ok');
      expect(again?.value.result).toEqual(first.value.result);
    }
    expect(await countRecords()).toBe(rowsBefore);
    const eventsAfter = await Promise.all(dbs.config.shards.map(async (_, i) => Number((await databases.shard(i).raw('SELECT COUNT(*) AS n FROM events'))[0][0].n)));
    expect(eventsAfter).toEqual(eventsBefore);
  });

  it('fuzzed messages through the real intake: one result each, no 5xx, 400s name their field, refusals write nothing', async () => {
    const eventCount = async () => (await Promise.all(dbs.config.shards.map(async (_, i) => Number((await databases.shard(i).raw('SELECT COUNT(*) AS n FROM events'))[0][0].n)))).reduce((a, b) => a + b, 0);
    const values = fc.sample(commandMessageValues(), { seed: FUZZ_SEED, numRuns: 40 });
    const statuses: number[] = [];
    for (const value of values) {
      const before = await eventCount();
      const { value: result } = await send(Buffer.isBuffer(value) ? value.toString('utf8') : value === null ? 'null' : value);
      statuses.push(result.http_status);
      const problems = problemsOf(result);
      if (result.status === 'error' && (await eventCount()) !== before) problems.push(`refused with ${result.http_status} but wrote events`);
      expect({ value: String(value).slice(0, 200), problems }).toEqual({ value: String(value).slice(0, 200), problems: [] });
    }
    // eslint-disable-next-line no-console
    console.log(`fuzz kafka intake (seed ${FUZZ_SEED}): cases ${values.length}, 5xx found ${statuses.filter((s) => s >= 500 && s !== 501).length}, statuses ${[...new Set(statuses)].sort().join(' ')}`);
  });
});
