import { InMemoryWorkerIdLeaseStore } from '@shardline/ids';
import { workerIdLeaseStoreContract } from './worker-id-lease-store.contract';

workerIdLeaseStoreContract('in-memory', async () => ({ store: new InMemoryWorkerIdLeaseStore(), close: async () => {} }));
