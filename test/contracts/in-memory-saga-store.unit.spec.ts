import { InMemorySagaStore } from '@shardline/sagas';
import { sagaStoreContract } from './saga-store.contract';

sagaStoreContract('in-memory', async () => ({ store: new InMemorySagaStore(), close: async () => {} }));
