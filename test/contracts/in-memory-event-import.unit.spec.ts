import { InMemoryEventStore } from '@shardline/event-store';
import { eventImportContract } from '@shardline/testing/contracts';

eventImportContract('in-memory event store', async () => ({ target: new InMemoryEventStore<unknown>(2), close: async () => {} }));
