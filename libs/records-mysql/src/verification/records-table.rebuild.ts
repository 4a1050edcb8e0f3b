import { archivedMonths, guardShard } from '@shardline/event-store/mysql';
import { childOf, monthSlice, planOf, type Slice, type SlicePlan } from '@shardline/reconciliation';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { isWholeMonth, MysqlEventStoreSide } from './mysql-event-store.side';
import { MysqlRecordsTableSide } from './mysql-records-table.side';
import type { RecordsRowRebuilder, RowOutcome } from './records-row-rebuilder';
import { childIndexSql, eventsOfSlice, recordsOfSlice, STREAM_RECORD_ID } from './verification-sql';

export interface RecordsRebuildOptions {
  /** Most events + rows read in one snapshot batch (a slice with more is cut again). */
  batchMax: number;
  fanout: number;
  onBatch?: (slice: Slice, counts: Record<RowOutcome, number>) => void;
}

export interface RecordsRebuildReport {
  shard: number;
  months: number[];
  /** Months whose events were archived and dropped (event_archives): their rows are left alone. */
  archivedMonthsSkipped: number[];
  batches: number;
  rows: Record<RowOutcome, number>;
  /** Rows left as a concurrent writer wrote them, and streams whose content did not open. */
  notes: Array<{ recordId: string; outcome: RowOutcome; reason?: string }>;
}

/**
 * `records:rebuild`: every month of a shard (months with events, or with rows) but the archived
 * ones (event_archives), slice by slice in
 * batches of at most `batchMax` events + rows, each through RecordsRowRebuilder (one consistent
 * snapshot per batch, guarded single-row writes: see there why this is safe while writers run).
 */
export async function rebuildRecordsTable(databases: ShardDatabases, rebuilder: RecordsRowRebuilder, shard: number, options: RecordsRebuildOptions): Promise<RecordsRebuildReport> {
  const store = new MysqlEventStoreSide(databases);
  const table = new MysqlRecordsTableSide(databases);
  const all = [...new Set([...(await store.months(shard)), ...(await table.months(shard))])].sort((a, b) => a - b);
  // An archived month's history is in its archive, not in `events` (at most events written after the
  // drop are): recomputing its rows from what is left would delete or regress live records.
  const archived = new Set(await guardShard(shard, () => archivedMonths(databases.shard(shard))));
  const months = all.filter((m) => !archived.has(m));
  const report: RecordsRebuildReport = { shard, months, archivedMonthsSkipped: all.filter((m) => archived.has(m)), batches: 0, rows: { inserted: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0, unopenable: 0 }, notes: [] };
  const walk = async (slice: Slice): Promise<void> => {
    const plan = planOf(slice, options.fanout);
    for (const [k, size] of await sizes(databases, shard, plan)) {
      const child = childOf(plan, k);
      if (size > options.batchMax && child.toMs - child.fromMs > 1) {
        await walk(child);
        continue;
      }
      const counts: Record<RowOutcome, number> = { inserted: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0, unopenable: 0 };
      for (const result of await rebuilder.rebuildSlice(shard, child)) {
        counts[result.outcome]++;
        if (result.outcome === 'skipped' || result.outcome === 'unopenable') report.notes.push(result);
      }
      for (const key of Object.keys(counts) as RowOutcome[]) report.rows[key] += counts[key];
      report.batches++;
      options.onBatch?.(child, counts);
    }
  };
  for (const month of months) await walk(monthSlice(month));
  return report;
}

/** Events + rows per child of the plan (children with neither are left out). */
async function sizes(databases: ShardDatabases, shard: number, plan: SlicePlan): Promise<Map<number, number>> {
  const db = databases.shard(shard);
  const [[events], [rows]] = await guardShard(shard, () =>
    Promise.all([
      db.raw(`SELECT ${childIndexSql(STREAM_RECORD_ID, plan)} AS k, COUNT(*) AS n FROM events WHERE ${eventsOfSlice(plan.slice, isWholeMonth(plan.slice))} GROUP BY k`),
      db.raw(`SELECT ${childIndexSql('id', plan)} AS k, COUNT(*) AS n FROM records WHERE ${recordsOfSlice(plan.slice)} GROUP BY k`),
    ]),
  );
  const out = new Map<number, number>();
  for (const r of [...(events as Array<{ k: number; n: number }>), ...(rows as Array<{ k: number; n: number }>)]) out.set(Number(r.k), (out.get(Number(r.k)) ?? 0) + Number(r.n));
  return out;
}
