import { InMemoryEventStore } from '@shardline/event-store';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('in-memory', async () => ({ store: new InMemoryEventStore(4), shardCount: 4, close: async () => {} }));
