import { ensureTopics } from '@shardline/kafka';
import { KafkaDeadLetterPublisher, KafkaDeadLetterSource, KafkaResendLedger } from '@shardline/projections/kafka';
import { deadLettersContract } from '@shardline/testing/contracts';
import { createTestKafka, randomTag } from '../projections/projection-fixtures';

deadLettersContract('Kafka (private dead-letter and ledger topics)', async () => {
  const k = await createTestKafka(randomTag());
  const publisher = new KafkaDeadLetterPublisher(k.kafka, k.topics.deadLetter);
  await publisher.connect();
  const ledger = new KafkaResendLedger(k.kafka, { deadLetterTopic: k.topics.deadLetter });
  await ensureTopics(k.kafka, [{ topic: ledger.ledgerTopic, numPartitions: 1 }]);
  await ledger.open();
  return {
    publisher,
    source: new KafkaDeadLetterSource(k.kafka, k.topics.deadLetter),
    ledger,
    close: async () => {
      await publisher.disconnect();
      await ledger.close();
      const admin = k.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [ledger.ledgerTopic] }).catch(() => {});
      await admin.disconnect();
      await k.drop();
    },
  };
});
