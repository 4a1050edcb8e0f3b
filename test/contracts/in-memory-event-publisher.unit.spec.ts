import { InMemoryPublisher } from '@shardline/outbox-relay';
import { eventPublisherContract } from '@shardline/testing/contracts';

eventPublisherContract('in-memory', async () => {
  const publisher = new InMemoryPublisher();
  return {
    publisher,
    received: async () => [...publisher.published],
    cut: async (down) => void (publisher.failing = down),
    close: async () => {},
  };
});
