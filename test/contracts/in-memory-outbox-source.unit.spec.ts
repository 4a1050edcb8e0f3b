import { InMemoryEventStore } from '@shardline/event-store';
import { InMemoryEventStoreOutbox } from '@shardline/outbox-relay';
import { outboxSourceContract } from '@shardline/testing/contracts';

outboxSourceContract('in-memory event store', async () => {
  const store = new InMemoryEventStore<unknown>(2);
  return {
    source: new InMemoryEventStoreOutbox(store, 1),
    store,
    shard: 1,
    cut: async (down) => store.setUnavailable(1, down),
    close: async () => {},
  };
});
