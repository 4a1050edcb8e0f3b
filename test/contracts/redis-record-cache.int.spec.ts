import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisRecordCacheStore, RedisWriterRegistry, writerLeasesKey } from '@shardline/records-cache';
import { recordCacheContract } from '@shardline/testing/contracts';

recordCacheContract('Redis', async () => {
  const redis = new Redis(process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379');
  // A private prefix: the writers' hash of this run is its own, whatever else shares the Redis.
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  return {
    store: new RedisRecordCacheStore(redis, 60_000, writerLeasesKey(prefix)),
    writers: new RedisWriterRegistry(redis, prefix),
    close: async () => {
      await redis.del(writerLeasesKey(prefix));
      redis.disconnect();
    },
  };
});
