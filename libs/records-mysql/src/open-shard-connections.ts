import type { ShardDatabases, ShardProbe } from '@shardline/sharding/mysql';

export interface WarnLog {
  warn(message: string): void;
}

/**
 * Opens the shard connections at startup (ShardDatabases.warmUp). A shard down at startup is
 * logged, not fatal: readiness reports it and the pools connect once it is back. Startup waits
 * for this at most a few connect timeouts: a server that accepts connections but never answers
 * must not keep the app from listening. Resolves with what happened, for logs and tests.
 */
export async function openShardConnections(
  databases: Pick<ShardDatabases, 'warmUp' | 'config'>,
  options: { writers: number; readers: number },
  log: WarnLog,
  limitMs = 2 * databases.config.connectTimeoutMs + 2000,
): Promise<'opened' | 'some-down' | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limitMs)));
  try {
    const probes = await Promise.race([databases.warmUp(options), gaveUp]);
    if (probes === 'timeout') {
      log.warn(`shard connections not all opened within ${limitMs} ms at startup; starting anyway (readiness reports the shards)`);
      return 'timed-out';
    }
    const down = probes.filter((probe): probe is Extract<ShardProbe, { status: 'down' }> => probe.status === 'down');
    for (const probe of down) log.warn(`shard ${probe.shard}: connections not opened at startup (${probe.error})`);
    return down.length > 0 ? 'some-down' : 'opened';
  } finally {
    clearTimeout(timer);
  }
}
