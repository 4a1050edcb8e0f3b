import { randomBytes } from 'node:crypto';
import { createServerPool, ShardDatabases } from '@shardline/sharding/mysql';
import { slotsCommand } from '../../../apps/ops-cli/src/slots/slots.command';
import { addShard } from '../../../migrations/migrate';
import { ApiHarness, startApi } from '../../support/api-harness';
import { createTestDatabases, TestDatabases } from '../../support/test-databases';

/**
 * What every end-to-end slot-move test starts from: four private shards and a fifth registered
 * (shard 4, migrated, empty: the target), an api routing by the live map (polled every 200 ms) on
 * the fleet's own saga queue, and the operator's command line. The saga worker (in process or a
 * child to kill) and the relay are each test's own: `workerEnv` is their environment.
 */
export class SlotMoveFleet {
  private constructor(
    readonly dbs: TestDatabases,
    readonly databases: ShardDatabases,
    readonly api: ApiHarness,
    /** The fleet's saga queue: the api, the worker and the command line meet on it. */
    readonly prefix: string,
  ) {}

  static async start(apiEnv: Record<string, string> = {}): Promise<SlotMoveFleet> {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const dbs = await createTestDatabases(4);
    const databases = new ShardDatabases(dbs.config);
    const target = targetDatabase(dbs);
    await addShard(dbs.config, `mysql://${dbs.config.control.host}:${dbs.config.control.port}/${target}`);
    databases.addShard(4, { ...dbs.config.shards[0], database: target });
    const api = await startApi({ ...dbs.config, slotMapPollMs: 200 }, { SHARDLINE_SAGA_QUEUE_PREFIX: prefix, SHARDLINE_CACHE_ENABLED: 'false', ...apiEnv });
    return new SlotMoveFleet(dbs, databases, api, prefix);
  }

  /** The new shard's database name (shard 4). */
  get targetDatabase(): string {
    return targetDatabase(this.dbs);
  }

  /** What `ops-cli slots` needs: the shards, the control database, the saga queue. */
  cliEnv(): Record<string, string> {
    return { SHARDLINE_SHARDS: this.dbs.shardUrls(), SHARDLINE_CONTROL_URL: this.dbs.controlUrl(), SHARDLINE_SAGA_QUEUE_PREFIX: this.prefix };
  }

  /** A saga worker's environment: small chunks, a 300 ms settle window, quick retries; `extra` overrides. */
  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...this.cliEnv(),
      SHARDLINE_SAGA_RETRY_BACKOFF_MS: '50',
      SHARDLINE_SAGA_OPS_PORT: '0',
      SHARDLINE_CACHE_ENABLED: 'false',
      SHARDLINE_SLOT_MAP_POLL_MS: '200',
      SHARDLINE_SLOT_MOVE_CHUNK_ROWS: '100',
      SHARDLINE_SLOT_MOVE_SETTLE_MS: '300',
      ...extra,
    };
  }

  /** `ops-cli slots …` in process: exit code and printed lines. */
  async cli(...argv: string[]): Promise<{ code: number; lines: string[]; text: string }> {
    const lines: string[] = [];
    const code = await slotsCommand(argv, this.cliEnv(), (line) => lines.push(line));
    return { code, lines, text: lines.join('\n') };
  }

  /** The first group of a move, as `slots status --json` prints it. */
  async statusOf(moveId: string): Promise<Record<string, any>> {
    return JSON.parse((await this.cli('status', '--move', moveId, '--json')).text).moves[0].groups[0];
  }

  async recordsOn(shard: number, businessId: string): Promise<number> {
    return Number((await this.databases.shard(shard)('records').where({ business_id: businessId }).count({ n: '*' }))[0].n);
  }

  async close(): Promise<void> {
    await this.api?.close();
    await this.databases.destroy();
    const server = createServerPool(this.dbs.config.control);
    await server.raw(`DROP DATABASE IF EXISTS \`${this.targetDatabase}\``).finally(() => server.destroy());
    await this.dbs.drop();
  }
}

function targetDatabase(dbs: TestDatabases): string {
  return `${dbs.config.control.database.replace(/control$/, '')}data_db_4`;
}

/** The move id `slots move` printed. */
export function moveIdOf(text: string): string {
  const id = /move (m[0-9a-f-]+):/.exec(text)?.[1];
  if (!id) throw new Error(`no move id in: ${text}`);
  return id;
}
