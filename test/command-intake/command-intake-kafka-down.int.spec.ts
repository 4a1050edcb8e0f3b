import { randomBytes, randomUUID } from 'node:crypto';
import { createKafka, ensureTopics, kafkaConfigFromEnv } from '@shardline/kafka';
import { ChildApp } from '../support/child-app';
import { freePort } from '../support/free-port';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

/**
 * Soak finding 3: the intake, started while Kafka was down, exited with code 1 after kafkajs' 5
 * connection retries (~15 s). It must stay up, say it is not ready, keep retrying, and consume once
 * Kafka answers. The broker is reached through a proxy that is not listening yet (connections
 * refused, as a stopped broker); after bootstrap, kafkajs talks to the broker's advertised address.
 */
describe('command intake started while Kafka is unreachable', () => {
  const tag = randomBytes(4).toString('hex');
  const topics = { commands: `t${tag}.records.commands`, results: `t${tag}.records.command-results` };
  const kafka = createKafka(kafkaConfigFromEnv(process.env, `test-${tag}`));
  const proxy = new TcpProxy('127.0.0.1', 9092);
  let dbs: TestDatabases;
  let child: ChildApp | undefined;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
  });
  afterAll(async () => {
    await child?.stop();
    await proxy.stop();
    await dbs?.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.commands, topics.results] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('stays alive and not ready past kafkajs giving up, then consumes once Kafka answers', async () => {
    const brokerPort = await freePort();
    const opsPort = await freePort();
    const ready = `http://127.0.0.1:${opsPort}/health/ready`;
    child = ChildApp.fromSource('command-intake', 'apps/command-intake/src/main.ts', {
      SHARDLINE_KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
      SHARDLINE_SHARDS: dbs.shardUrls(),
      SHARDLINE_CONTROL_URL: dbs.controlUrl(),
      SHARDLINE_COMMANDS_TOPIC: topics.commands,
      SHARDLINE_COMMAND_RESULTS_TOPIC: topics.results,
      SHARDLINE_COMMAND_INTAKE_GROUP_ID: `t${tag}-intake`,
      SHARDLINE_COMMAND_INTAKE_OPS_PORT: String(opsPort),
      SHARDLINE_COMMAND_INTAKE_KAFKA_RETRY_MAX_MS: '1000',
      SHARDLINE_CACHE_KEY_PREFIX: `t${tag}:record:`,
      SHARDLINE_SAGA_QUEUE_PREFIX: `t${tag}`,
      SHARDLINE_WORKER_ID: '13',
    }).start();

    // Past kafkajs' own give-up (5 retries, ~15 s): the old intake had exited with code 1 by now.
    await new Promise((resolve) => setTimeout(resolve, 22_000));
    expect({ running: child.running, exitCode: child.exitCode }).toEqual({ running: true, exitCode: null });
    const notReady = await fetch(ready);
    expect({ status: notReady.status, body: await notReady.json() }).toMatchObject({ status: 503, body: { consuming: false } });

    await proxy.start(brokerPort);
    await child.waitUntilReady(ready, 60_000);

    await ensureTopics(kafka, [{ topic: topics.results, numPartitions: 8 }]);
    const results: Array<{ command_id: string; status: string; http_status: number }> = [];
    const consumer = kafka.consumer({ groupId: `t${tag}-results-reader` });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: topics.results, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void results.push(JSON.parse(message.value!.toString())) });
      await producer.connect();
      const commandId = `c-${randomUUID()}`;
      await producer.send({ topic: topics.commands, messages: [{ key: `kd-${tag}`, value: JSON.stringify({ command_id: commandId, type: 'create', business_id: `kd-${tag}`, user_id: 7, data_content: { n: 1 } }) }] });
      const result = await waitFor('the command result', async () => results.find((r) => r.command_id === commandId), { timeoutMs: 60_000 });
      expect(result).toMatchObject({ status: 'ok', http_status: 201 });
    } finally {
      await producer.disconnect();
      await consumer.disconnect();
    }
  }, 180_000);
});
