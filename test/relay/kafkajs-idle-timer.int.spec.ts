import { createKafka, kafkaConfigFromEnv } from '@shardline/kafka';
import { BROKERS, testTopic } from './relay-test-kit';

// kafkajs' own RequestQueue: what the fix patches (libs/kafka/src/kafkajs-idle-timer-fix.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: { checkPendingRequests(): void } };

describe('kafkajs idle timer (createKafka switches off the 1 ms re-check of every idle connection)', () => {
  it('a connected producer with nothing in flight no longer wakes up every millisecond, and still publishes', async () => {
    const kafka = createKafka(kafkaConfigFromEnv({ SHARDLINE_KAFKA_BROKERS: BROKERS.join(',') }, 'idle-timer-test'));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const topic = testTopic('idle-timer');
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
      checks += 1;
      original.call(this);
    };
    try {
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'first' }] });
      checks = 0;
      // Without the fix every connection re-checks about once a millisecond: hundreds in this window.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(checks).toBeLessThan(10);
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'second' }] }); // an idle connection still sends
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
