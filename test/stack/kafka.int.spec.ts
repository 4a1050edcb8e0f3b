// Smoke test: publish and consume a message on a fresh topic of the KRaft broker (127.0.0.1:9092).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';

const brokers = (process.env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('stack: Kafka', () => {
  const kafka = new Kafka({ clientId: 'stack-smoke', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topic = `stack-smoke-${randomUUID()}`;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('publishes and consumes a keyed message', async () => {
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    const key = 'biz-42';
    const value = JSON.stringify({ id: randomUUID(), type: 'RecordCreated' });
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value, headers: { 'event-type': 'RecordCreated' } }] });
    expect(meta.errorCode).toBe(0);

    consumer = kafka.consumer({ groupId: `stack-smoke-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = await new Promise<{ key?: string; value?: string; header?: string; partition: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message consumed within 45s')), 45_000);
      void consumer!
        .run({
          eachMessage: async ({ message, partition }) => {
            clearTimeout(timer);
            resolve({
              key: message.key?.toString(),
              value: message.value?.toString(),
              header: message.headers?.['event-type']?.toString(),
              partition,
            });
          },
        })
        .catch(reject);
    });
    expect(received).toEqual({ key, value, header: 'RecordCreated', partition: meta.partition });
  });
});
