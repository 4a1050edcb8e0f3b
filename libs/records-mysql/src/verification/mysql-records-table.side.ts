import { guardShard } from '@shardline/event-store/mysql';
import { monthsBetweenIds, type ModelDigest, type ModelState, type ReadModelSide, type Slice, type SlicePlan, type StoreStream } from '@shardline/reconciliation';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { streamsOfOn, type Queryable } from './mysql-event-store.side';
import { assertRecordIds, childIndexSql, chunked, hashSql, recordsOfSlice } from './verification-sql';

/**
 * The inline `records` table of each shard as a read model of `verify`: one row per live record,
 * XOR of H(record-<id>, version, 0) per slice over a primary-key range. Re-checks read the rows and
 * the streams in ONE consistent snapshot (both tables are written in the same append transaction),
 * so what differs there differs for real, however busy the shard.
 */
export class MysqlRecordsTableSide implements ReadModelSide {
  readonly name = 'records' as const;
  readonly perShard = true;

  constructor(private readonly databases: ShardDatabases) {}

  async months(shard?: number): Promise<number[]> {
    const [rows] = await this.query(shard!, 'SELECT MIN(id) AS lo, MAX(id) AS hi FROM records');
    const { lo, hi } = (rows as Array<{ lo: string | null; hi: string | null }>)[0];
    return monthsBetweenIds(lo, hi);
  }

  async digests(plan: SlicePlan, shard?: number): Promise<Map<number, ModelDigest>> {
    const [rows] = await this.query(
      shard!,
      `SELECT ${childIndexSql('id', plan)} AS k, COUNT(*) AS n, BIT_XOR(${hashSql("CONCAT('record-', id)", 'version', "'0'")}) AS x
       FROM records WHERE ${recordsOfSlice(plan.slice)} GROUP BY k`,
    );
    return new Map((rows as Array<{ k: number; n: number; x: string }>).map((r) => [Number(r.k), { count: Number(r.n), xor: BigInt(r.x) }]));
  }

  async states(slice: Slice, shard?: number): Promise<ModelState[]> {
    const [rows] = await this.query(shard!, `SELECT id, version FROM records WHERE ${recordsOfSlice(slice)}`);
    return (rows as RowFacts[]).map(stateOf);
  }

  statesOf(recordIds: readonly string[], shard?: number): Promise<ModelState[]> {
    return guardShard(shard!, () => rowsOfOn(this.databases.shard(shard!), recordIds));
  }

  snapshot(shard: number, recordIds: readonly string[]): Promise<{ store: StoreStream[]; model: ModelState[] }> {
    return guardShard(shard, () =>
      // REPEATABLE READ: both reads see the snapshot taken at the first one.
      this.databases.shard(shard).transaction(async (trx) => ({ store: await streamsOfOn(trx, shard, recordIds), model: await rowsOfOn(trx, recordIds) }), { isolationLevel: 'repeatable read' }),
    );
  }

  private query(shard: number, sql: string) {
    return guardShard(shard, () => this.databases.shard(shard).raw(sql));
  }
}

interface RowFacts {
  id: string;
  version: number;
}

function stateOf(row: RowFacts): ModelState {
  return { recordId: String(row.id), version: Number(row.version), deleted: false };
}

async function rowsOfOn(db: Queryable, recordIds: readonly string[]): Promise<ModelState[]> {
  assertRecordIds(recordIds);
  const out: ModelState[] = [];
  for (const chunk of chunked(recordIds)) {
    const [rows] = await db.raw(`SELECT id, version FROM records WHERE id IN (${chunk.join(', ')})`);
    out.push(...(rows as RowFacts[]).map(stateOf));
  }
  return out;
}
