import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { EngineName, PlannedFault } from './fault-schedule';

const run = promisify(execFile);
export const ROOT = resolve(__dirname, '../..');

/**
 * The soak's own engines: the same scripts/stack scripts with a private STACK_DIR and ports, and one
 * mariadbd per shard, so stopping them never touches the shared engines other sessions' tests use.
 * The control database lives on the machine's MariaDB (3306) under a run-private name: it is not
 * one of the soak's faults.
 */
export const STACK = {
  dir: process.env.SOAK_STACK_DIR ?? resolve(ROOT, '.stack-soak'),
  shardBasePort: 3317,
  shardCount: 4,
  controlPort: 3306,
  kafka: 19092,
  kafkaController: 19093,
  es: 19200,
  esTransport: 19300,
  clickhouse: 18123,
  clickhouseTcp: 19010,
  redis: 16379,
} as const;

/** What scripts/stack/*.sh read to act on the private stack instead of the shared one. */
export function stackScriptEnv(): Record<string, string> {
  return {
    STACK_DIR: STACK.dir,
    SHARDLINE_SHARD_SERVERS: 'separate',
    SHARDLINE_SHARD_COUNT: String(STACK.shardCount),
    SHARDLINE_SHARD_BASE_PORT: String(STACK.shardBasePort),
    SHARDLINE_KAFKA_PORT: String(STACK.kafka),
    SHARDLINE_KAFKA_CONTROLLER_PORT: String(STACK.kafkaController),
    SHARDLINE_ES_PORT: String(STACK.es),
    SHARDLINE_ES_TRANSPORT_PORT: String(STACK.esTransport),
    SHARDLINE_CLICKHOUSE_PORT: String(STACK.clickhouse),
    SHARDLINE_CLICKHOUSE_TCP_PORT: String(STACK.clickhouseTcp),
    SHARDLINE_REDIS_PORT: String(STACK.redis),
    STACK_REDIS_LOG: `${STACK.dir}/logs/redis.log`,
    STACK_ES_HEAP: process.env.STACK_ES_HEAP ?? '1g',
    STACK_KAFKA_HEAP: process.env.STACK_KAFKA_HEAP ?? '512m',
  };
}

export const shardPort = (i: number) => STACK.shardBasePort + i;

/** Runs scripts/stack/<script> against the private stack; throws with its output when it fails. */
export async function stackScript(script: string, ...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(`${ROOT}/scripts/stack/${script}`, args, {
      env: { ...process.env, ...stackScriptEnv() },
      timeout: 300_000,
      maxBuffer: 16 << 20,
    });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/stack/${script} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** The pid listening on a TCP port (the private engine's server), or undefined. */
export async function pidOfPort(port: number): Promise<number | undefined> {
  const { stdout } = await run('ss', ['-Hltnp', `sport = :${port}`]).catch(() => ({ stdout: '' }));
  const m = /pid=(\d+)/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

function portOf(engine: EngineName, shard?: number): number {
  switch (engine) {
    case 'shard':
      return shardPort(shard!);
    case 'kafka':
      return STACK.kafka;
    case 'elasticsearch':
      return STACK.es;
    case 'clickhouse':
      return STACK.clickhouse;
    case 'redis':
      return STACK.redis;
  }
}

const scriptOf: Record<EngineName, string> = { shard: 'mariadb.sh', kafka: 'kafka.sh', elasticsearch: 'elasticsearch.sh', clickhouse: 'clickhouse.sh', redis: 'redis.sh' };

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pid ${pid} still alive after ${timeoutMs} ms`);
}

/** Takes an engine of the private stack down and brings it back, as a fault of the schedule says. */
export class EngineFaults {
  private readonly frozen = new Map<number, number>();

  async down(f: PlannedFault & { kind: EngineName }): Promise<string> {
    const pid = await pidOfPort(portOf(f.kind, f.shard));
    if (f.mode === 'freeze') {
      if (!pid) throw new Error(`no process listens on ${portOf(f.kind, f.shard)}`);
      process.kill(pid, 'SIGSTOP');
      this.frozen.set(f.n, pid);
      return `SIGSTOP pid ${pid}`;
    }
    if (f.mode === 'kill9') {
      if (!pid) throw new Error(`no process listens on ${portOf(f.kind, f.shard)}`);
      process.kill(pid, 'SIGKILL');
      await waitGone(pid, 30_000);
      return `SIGKILL pid ${pid}`;
    }
    if (f.kind === 'shard') await stackScript(scriptOf.shard, 'stop-shard', String(f.shard));
    else if (f.kind === 'redis') await stackScript(scriptOf.redis, 'down', '--all');
    else await stackScript(scriptOf[f.kind], 'down');
    return `scripts/stack/${scriptOf[f.kind]} stop (pid ${pid ?? '?'})`;
  }

  async up(f: PlannedFault & { kind: EngineName }): Promise<string> {
    if (f.mode === 'freeze') {
      const pid = this.frozen.get(f.n)!;
      process.kill(pid, 'SIGCONT');
      this.frozen.delete(f.n);
      return `SIGCONT pid ${pid}`;
    }
    if (f.kind === 'shard') await stackScript(scriptOf.shard, 'start-shard', String(f.shard));
    else await stackScript(scriptOf[f.kind], 'start');
    return `scripts/stack/${scriptOf[f.kind]} start (pid ${(await pidOfPort(portOf(f.kind, f.shard))) ?? '?'})`;
  }

  /** Never leave an engine frozen behind (a crashed soak would otherwise hang the private stack). */
  thawAll(): void {
    for (const pid of this.frozen.values()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* already gone */
      }
    }
    this.frozen.clear();
  }
}
