import { InMemorySagaJobQueue } from '@shardline/sagas';
import { sagaJobQueueContract } from '@shardline/testing/contracts';

sagaJobQueueContract('in-memory', async () => {
  const queue = new InMemorySagaJobQueue();
  return {
    queue,
    waiting: async () => queue.waiting.map(({ sagaId, version }) => ({ sagaId, version })),
    exhaust: async () => queue.giveUp(),
    close: async () => {},
  };
});
