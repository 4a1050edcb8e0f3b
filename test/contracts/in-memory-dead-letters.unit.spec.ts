import { InMemoryDeadLetterTopic, InMemoryResendLedger } from '@shardline/projections';
import { deadLettersContract } from '@shardline/testing/contracts';

deadLettersContract('in-memory topic and ledger', async () => {
  const topic = new InMemoryDeadLetterTopic();
  return { publisher: topic, source: topic, ledger: new InMemoryResendLedger(topic), close: async () => {} };
});
