import { SNOWFLAKE_EPOCH_MS } from '@shardline/ids';
import { idRange, monthsBetweenIds, type ModelDigest, type ModelState, type ReadModelSide, type Slice, type SlicePlan } from '@shardline/reconciliation';
import type { ClickHouseGateway } from '../clickhouse-gateway';
import { DELETED_EVENTS } from '../schema/record-event-kinds';
import { liveTables, type AnalyticsTables } from '../schema/analytics-tables';
import { type Sql, sqlInt, sqlUInt64 } from '../sql/sql-literals';

/** Events that end a record (the sink's deleted = 1); DELETED_EVENTS plus the erasure. */
const ENDING: Sql = `(${DELETED_EVENTS} OR event_type = 'RecordErased')`;
const DAY_S = 86_400;

/**
 * The ClickHouse read model as `verify` sees it, read with FINAL (duplicates not merged yet do not
 * count). halfMD5 of "<stream>:<version>:<0|1>" is the event store's H (see @shardline/reconciliation),
 * XORed with groupBitXor, so a slice is compared with one aggregate row. Two models:
 * - latest (`records_latest`): one row per record at its last version, deleted = 1 for a delete;
 * - events (`record_events`): one row per event; the sorting key does not lead with the record id,
 *   so a slice is also bounded by occurred_at (an event occurs after its record was created; a day of
 *   margin for clock skew) to prune the month partitions before it.
 */
abstract class ClickHouseSide implements ReadModelSide {
  abstract readonly name: 'clickhouse-latest' | 'clickhouse-events';
  readonly perShard = false;
  protected readonly tables: AnalyticsTables;

  constructor(
    protected readonly gateway: ClickHouseGateway,
    database: string,
  ) {
    this.tables = liveTables(database);
  }

  protected abstract table(): Sql;
  protected abstract digestColumns(): Sql;
  protected abstract stateQuery(where: Sql): Sql;
  protected abstract digestOf(row: Record<string, string>): ModelDigest;

  async months(): Promise<number[]> {
    const [row] = await this.gateway.select<{ lo: string; hi: string; n: string }>(`SELECT toString(min(record_id)) AS lo, toString(max(record_id)) AS hi, toString(count()) AS n FROM ${this.table()}`);
    return Number(row?.n ?? 0) === 0 ? [] : monthsBetweenIds(row.lo, row.hi);
  }

  async digests(plan: SlicePlan): Promise<Map<number, ModelDigest>> {
    const k = `intDiv(toInt64(bitShiftRight(record_id, 22)) + ${sqlInt(SNOWFLAKE_EPOCH_MS - plan.slice.fromMs)}, ${sqlInt(plan.widthMs, 1)})`;
    const rows = await this.gateway.select<Record<string, string>>(`SELECT toString(${k}) AS k, ${this.digestColumns()} FROM ${this.table()} FINAL WHERE ${this.whereSlice(plan.slice)} GROUP BY k`);
    return new Map(rows.map((r) => [Number(r.k), this.digestOf(r)]));
  }

  async states(slice: Slice): Promise<ModelState[]> {
    return this.statesWhere(this.whereSlice(slice));
  }

  async statesOf(recordIds: readonly string[]): Promise<ModelState[]> {
    const out: ModelState[] = [];
    for (let i = 0; i < recordIds.length; i += 1000) out.push(...(await this.statesWhere(`record_id IN (${recordIds.slice(i, i + 1000).map(sqlUInt64).join(', ')})`)));
    return out;
  }

  protected whereSlice(slice: Slice): Sql {
    const { lo, hi } = idRange(slice);
    return `record_id >= ${sqlUInt64(lo)} AND record_id < ${sqlUInt64(hi)}`;
  }

  private async statesWhere(where: Sql): Promise<ModelState[]> {
    const rows = await this.gateway.select<Record<string, string>>(this.stateQuery(where));
    return rows.map((r) => ({ recordId: r.id, version: Number(r.version), deleted: Number(r.deleted) === 1, ...(r.events === undefined ? {} : { events: Number(r.events) }) }));
  }
}

export class ClickHouseLatestSide extends ClickHouseSide {
  readonly name = 'clickhouse-latest' as const;

  protected table(): Sql {
    return this.tables.latest;
  }
  protected digestColumns(): Sql {
    return `toString(count()) AS n, toString(sum(deleted)) AS d, toString(groupBitXor(halfMD5(concat('record-', toString(record_id), ':', toString(version), ':', toString(deleted))))) AS x`;
  }
  protected digestOf(r: Record<string, string>): ModelDigest {
    return { count: Number(r.n), deleted: Number(r.d), xor: BigInt(r.x) };
  }
  protected stateQuery(where: Sql): Sql {
    return `SELECT toString(record_id) AS id, toString(version) AS version, toString(deleted) AS deleted FROM ${this.tables.latest} FINAL WHERE ${where}`;
  }
}

export class ClickHouseEventsSide extends ClickHouseSide {
  readonly name = 'clickhouse-events' as const;

  protected table(): Sql {
    return this.tables.events;
  }
  protected override whereSlice(slice: Slice): Sql {
    return `${super.whereSlice(slice)} AND occurred_at >= toDateTime(${sqlInt(Math.max(0, Math.floor(slice.fromMs / 1000) - DAY_S))})`;
  }
  protected digestColumns(): Sql {
    return `toString(count()) AS n, toString(groupBitXor(halfMD5(concat(stream_id, ':', toString(stream_version), ':', if(${ENDING}, '1', '0'))))) AS x`;
  }
  protected digestOf(r: Record<string, string>): ModelDigest {
    return { count: Number(r.n), xor: BigInt(r.x) };
  }
  protected stateQuery(where: Sql): Sql {
    return `SELECT toString(record_id) AS id, toString(max(stream_version)) AS version, toString(max(${ENDING})) AS deleted, toString(count()) AS events FROM ${this.tables.events} FINAL WHERE ${where} GROUP BY record_id`;
  }
}
