import type { ShardProbe } from '@shardline/sharding/mysql';
import { openShardConnections } from './open-shard-connections';

const config = { connectTimeoutMs: 2000 } as never;

describe('openShardConnections (startup warm-up)', () => {
  it('reports every shard that is down, and goes on', async () => {
    const warnings: string[] = [];
    const probes: ShardProbe[] = [
      { shard: 0, status: 'up' },
      { shard: 1, status: 'down', error: 'connect ECONNREFUSED' },
    ];
    const outcome = await openShardConnections({ config, warmUp: async () => probes }, { writers: 2, readers: 2 }, { warn: (m) => warnings.push(m) });
    expect(outcome).toBe('some-down');
    expect(warnings).toEqual(['shard 1: connections not opened at startup (connect ECONNREFUSED)']);
  });

  it('does not wait longer than its limit for a server that never answers', async () => {
    const warnings: string[] = [];
    const started = Date.now();
    const outcome = await openShardConnections({ config, warmUp: () => new Promise<ShardProbe[]>(() => {}) }, { writers: 2, readers: 2 }, { warn: (m) => warnings.push(m) }, 50);
    expect(outcome).toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(warnings[0]).toMatch(/not all opened within 50 ms/);
  });

  it('opened: nothing to say', async () => {
    const warnings: string[] = [];
    const outcome = await openShardConnections({ config, warmUp: async () => [{ shard: 0, status: 'up' }] }, { writers: 0, readers: 2 }, { warn: (m) => warnings.push(m) });
    expect([outcome, warnings]).toEqual(['opened', []]);
  });
});
