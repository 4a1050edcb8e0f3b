import { InMemorySagaStore } from '@shardline/sagas';
import { sagaStoreContract } from '@shardline/testing/contracts';

sagaStoreContract('in-memory', async () => ({ store: new InMemorySagaStore(), close: async () => {} }));
