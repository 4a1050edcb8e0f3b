import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { CacheLookup, RecordCacheStore } from '../record-cache-store.port';
import { REDIS_NOW_MS } from './redis-writer-registry';

/*
 * One Redis hash per record: g = generation token, d = cached state, dg = the token d was stored
 * under. Token and state live in ONE key, so eviction or expiry removes them together (a missing
 * token is a new generation, never a resurrected one). Scripts run atomically on the server,
 * which is what orders a fill against a concurrent invalidate.
 */
const LOOKUP_RECORD = `
local g = redis.call('HGET', KEYS[1], 'g')
if not g then
  redis.call('HSET', KEYS[1], 'g', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {ARGV[2], 0}
end
if g == ARGV[1] then return {g, 1} end
local e = redis.call('HMGET', KEYS[1], 'dg', 'd')
if e[1] == g and e[2] then return {g, 2, e[2]} end
return {g, 0}`;

/*
 * The cache fence (docs/adr/0006): KEYS[2] holds every writer's lease expiry. While any lease has
 * ended by Redis's clock, some writer may have acknowledged a write whose invalidation did not
 * arrive: the reader must bypass the cache (status 3: read the shard, fill nothing).
 */
const CHECK_WRITER_LEASES = `${REDIS_NOW_MS}
local leases = redis.call('HVALS', KEYS[2])
for i = 1, #leases do
  if tonumber(leases[i]) <= now then return {'', 3} end
end`;

/** The lookup script, with or without the writer-lease check (without: only bench/query compares them). */
export function lookupScript(options: { checkWriterLeases: boolean }): string {
  return options.checkWriterLeases ? `${CHECK_WRITER_LEASES}${LOOKUP_RECORD}` : LOOKUP_RECORD;
}

const FILL = `
if redis.call('HGET', KEYS[1], 'g') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dg', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

type CacheRedis = Redis & {
  recordCacheLookup(key: string, leasesKey: string, knownToken: string, freshToken: string, ttlMs: number): Promise<[string, number, string?]>;
  recordCacheFill(key: string, token: string, payload: string, ttlMs: number): Promise<number>;
};

export class RedisRecordCacheStore implements RecordCacheStore {
  private readonly redis: CacheRedis;

  constructor(
    redis: Redis,
    /** How long an untouched record stays in Redis (ms). */
    private readonly ttlMs: number,
    /** The writers' leases (writerLeasesKey) every lookup checks. */
    private readonly leasesKey: string,
  ) {
    redis.defineCommand('recordCacheLookup', { numberOfKeys: 2, lua: lookupScript({ checkWriterLeases: true }) });
    redis.defineCommand('recordCacheFill', { numberOfKeys: 1, lua: FILL });
    this.redis = redis as CacheRedis;
  }

  async lookup(key: string, knownToken: string | null): Promise<CacheLookup> {
    // 128 random bits: a token is never observed twice, so an invalidated generation cannot come back.
    const fresh = randomBytes(16).toString('base64url');
    const [token, status, payload] = await this.redis.recordCacheLookup(key, this.leasesKey, knownToken ?? '', fresh, this.ttlMs);
    if (status === 3) return { kind: 'fenced' };
    if (status === 1) return { kind: 'current', token };
    if (status === 2 && payload !== undefined) return { kind: 'hit', token, payload };
    return { kind: 'miss', token };
  }

  async fill(key: string, token: string, payload: string): Promise<boolean> {
    return (await this.redis.recordCacheFill(key, token, payload, this.ttlMs)) === 1;
  }

  async invalidate(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
