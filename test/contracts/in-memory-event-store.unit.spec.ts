import { InMemoryEventStore } from '@shardline/event-store';
import { eventStoreContract } from '@shardline/testing/contracts';

eventStoreContract('in-memory', async () => {
  const store = new InMemoryEventStore(4);
  return {
    store,
    shardCount: 4,
    outboxOf: async (shard, streamIds) => store.outbox(shard).filter((e) => streamIds.includes(e.streamId)).map((e): [string, number] => [e.streamId, e.streamVersion]),
    close: async () => {},
  };
});
