import type Redis from 'ioredis';
import { WriterRegistry } from '../fence/cache-fence.ports';

/** The members hash of the cache fence: field = writer id, value = lease expiry (Redis ms). */
export function writerLeasesKey(keyPrefix: string): string {
  // Record keys are `<prefix><digits>:<business>`: a key starting with a letter cannot collide.
  return `${keyPrefix}fence:writers`;
}

/** Redis's clock in whole ms, inside a script (Redis 7 replicates scripts by effects, so TIME is allowed). */
export const REDIS_NOW_MS = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

const RENEW = `${REDIS_NOW_MS}
if ARGV[3] == 'join' then
  if ARGV[4] ~= '' then redis.call('HDEL', KEYS[1], ARGV[4]) end
elseif redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return {now, 0}
end
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return {now, 1}`;

const STALE = `${REDIS_NOW_MS}
local entries = redis.call('HGETALL', KEYS[1])
local stale = {}
for i = 1, #entries, 2 do
  if tonumber(entries[i + 1]) + tonumber(ARGV[1]) <= now then stale[#stale + 1] = entries[i] end
end
return stale`;

const REMOVE = `${REDIS_NOW_MS}
local removed = {}
for i = 2, #ARGV do
  local lease = redis.call('HGET', KEYS[1], ARGV[i])
  if lease and tonumber(lease) + tonumber(ARGV[1]) <= now then
    redis.call('HDEL', KEYS[1], ARGV[i])
    removed[#removed + 1] = ARGV[i]
  end
end
return removed`;

type FenceRedis = Redis & {
  cacheFenceRenew(key: string, id: string, expiry: number, mode: 'join' | 'heartbeat', replacing: string): Promise<[number, number]>;
  cacheFenceStale(key: string, graceMs: number): Promise<string[]>;
  cacheFenceRemove(key: string, graceMs: number, ...ids: string[]): Promise<string[]>;
};

/** WriterRegistry on the cache Redis: one hash, changed only by atomic scripts. */
export class RedisWriterRegistry implements WriterRegistry {
  private readonly redis: FenceRedis;
  private readonly key: string;

  constructor(redis: Redis, keyPrefix: string) {
    redis.defineCommand('cacheFenceRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('cacheFenceStale', { numberOfKeys: 1, lua: STALE });
    redis.defineCommand('cacheFenceRemove', { numberOfKeys: 1, lua: REMOVE });
    this.redis = redis as FenceRedis;
    this.key = writerLeasesKey(keyPrefix);
  }

  async time(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async join(id: string, expiry: number, replacing: string | null): Promise<number> {
    const [now] = await this.redis.cacheFenceRenew(this.key, id, expiry, 'join', replacing ?? '');
    return now;
  }

  async heartbeat(id: string, expiry: number): Promise<{ redisMs: number; member: boolean }> {
    const [now, member] = await this.redis.cacheFenceRenew(this.key, id, expiry, 'heartbeat', '');
    return { redisMs: now, member: member === 1 };
  }

  staleMembers(graceMs: number): Promise<string[]> {
    return this.redis.cacheFenceStale(this.key, graceMs);
  }

  async remove(ids: string[], graceMs: number): Promise<string[]> {
    return ids.length === 0 ? [] : this.redis.cacheFenceRemove(this.key, graceMs, ...ids);
  }

  async leave(id: string): Promise<void> {
    await this.redis.hdel(this.key, id);
  }
}
