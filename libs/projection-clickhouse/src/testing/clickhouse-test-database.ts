import { randomBytes } from 'node:crypto';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { firstIdAt } from '@shardline/ids';
import type { ClickHouseConfig } from '../clickhouse.config';
import { type ClickHouseGateway, createClickHouseGateway } from '../clickhouse-gateway';
import { sqlIdentifier } from '../sql/sql-literals';

/**
 * A private database per test file (random name) on the server the config points at, dropped by
 * drop(): test files running in parallel never see each other's rows.
 */
export async function createClickHouseTestDatabase(base: ClickHouseConfig): Promise<ClickHouseTestDatabase> {
  const config = { ...base, database: `t_${randomBytes(5).toString('hex')}` };
  return new ClickHouseTestDatabase(config, createClickHouseGateway(config));
}

export class ClickHouseTestDatabase {
  constructor(
    readonly config: ClickHouseConfig,
    readonly gateway: ClickHouseGateway,
  ) {}

  async drop(): Promise<void> {
    try {
      await this.gateway.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(this.config.database)}`);
    } finally {
      await this.gateway.close();
    }
  }
}

/** Builds valid record event envelopes for tests; ids are Snowflakes of the given creation time. */
export class EnvelopeFactory {
  private seq = 0;

  /** A record id whose Snowflake time is `createdAt` (distinct per call). */
  recordId(createdAt: Date): string {
    return (BigInt(firstIdAt(createdAt)) + BigInt(++this.seq)).toString();
  }

  event(fields: {
    type: 'RecordCreated' | 'RecordUpdated' | 'RecordDeleted' | 'RecordMovedIn' | 'RecordMovedOut' | string;
    recordId: string;
    businessId: string;
    userId?: string;
    version: number;
    at: string;
    dataContent?: Record<string, unknown>;
  }): RecordEventEnvelope {
    const n = ++this.seq;
    const userId = fields.userId ?? '1';
    const data: Record<string, unknown> = { id: fields.recordId, business_id: fields.businessId, user_id: userId };
    if (fields.type !== 'RecordDeleted' && fields.type !== 'RecordMovedOut') data.data_content = fields.dataContent ?? { n: fields.version };
    return {
      envelope_version: 1,
      event_id: `evt-${fields.recordId}-${fields.version}`,
      event_type: fields.type,
      schema_version: 1,
      stream_id: `record-${fields.recordId}`,
      stream_version: fields.version,
      shard: 0,
      position: String(n),
      business_id: fields.businessId,
      user_id: userId,
      record_id: fields.recordId,
      occurred_at: fields.at,
      command_id: `cmd-${n}`,
      correlation_id: `corr-${n}`,
      causation_id: null,
      actor: null,
      data,
    };
  }
}

/** Fisher-Yates with a seeded generator, so a failing order can be reproduced. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
