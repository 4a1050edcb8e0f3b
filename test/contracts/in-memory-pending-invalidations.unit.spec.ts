import { InMemoryPendingInvalidationStore } from '@shardline/records-cache';
import { pendingInvalidationsContract } from '@shardline/testing/contracts';

pendingInvalidationsContract('in-memory', async () => ({ store: new InMemoryPendingInvalidationStore(2), close: async () => {} }));
