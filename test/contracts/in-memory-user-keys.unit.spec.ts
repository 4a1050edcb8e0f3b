import { CachedUserKeys, InMemoryUserKeys } from '@shardline/user-keys';
import { userKeysContract } from '@shardline/testing/contracts';

userKeysContract('in-memory', async () => ({ keys: new InMemoryUserKeys(), close: async () => {} }));
userKeysContract('in-memory behind the TTL cache', async () => ({ keys: new CachedUserKeys(new InMemoryUserKeys(), { ttlMs: 60_000 }), close: async () => {} }));
