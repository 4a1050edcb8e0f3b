import { InMemoryWorkerIdLeaseStore } from '@shardline/ids';
import { workerIdLeaseStoreContract } from '@shardline/testing/contracts';

workerIdLeaseStoreContract('in-memory', async () => ({ store: new InMemoryWorkerIdLeaseStore(), close: async () => {} }));
