import { InMemoryEventStore } from '@shardline/event-store';
import { eventLogReaderContract } from '@shardline/testing/contracts';

eventLogReaderContract('in-memory event store', async () => {
  const store = new InMemoryEventStore<unknown>(2);
  return { store, reader: store, close: async () => {} };
});
