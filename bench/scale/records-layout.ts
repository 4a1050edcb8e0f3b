import { countRowsPerPartition, splitRecordPartitionsBack } from '@shardline/records-mysql';
import type { ShardDatabases } from '@shardline/sharding/mysql';

/**
 * The `records` partitions bench/scale measures. The migration partitions the empty tables from
 * this month on, so the back-dated history would all land in `p_before`; production's tables hold
 * one partition per month of their history (converted from it, or grown month by month). `months`
 * (the default) splits `p_before` into the workload's months before the load, while it is still
 * empty (no copy, the load stays a stream of appends); `p_before` keeps the migration's layout (the
 * figures measured before the records partitions' split, for comparison).
 */
export type RecordsLayout = 'months' | 'p_before';

export function recordsLayoutFromEnv(text: string | undefined): RecordsLayout {
  if (text === undefined || text === '' || text === 'months') return 'months';
  if (text === 'p_before') return 'p_before';
  throw new Error(`BENCH_SCALE_RECORDS_LAYOUT must be months or p_before, not ${text}`);
}

/** Prepares every shard's `records` for history back to `from`; returns the months split out per shard. */
export async function prepareRecordsLayout(databases: ShardDatabases, layout: RecordsLayout, from: Date): Promise<number[][]> {
  if (layout === 'p_before') return databases.shardIndexes().map(() => []);
  return Promise.all(databases.shardIndexes().map((shard) => splitRecordPartitionsBack(databases.shard(shard), from)));
}

/** What was measured: partitions per shard, the month range, rows in p_before and in the months. */
export async function describeRecordsLayout(databases: ShardDatabases): Promise<string> {
  const shards = await Promise.all(databases.shardIndexes().map((shard) => countRowsPerPartition(databases.shard(shard))));
  const rowsIn = (name: string) => shards.map((parts) => parts.find((p) => p.partition === name)?.rows ?? 0);
  const months = shards.map((parts) => parts.filter((p) => /^p[0-9]{6}$/.test(p.partition)));
  const withRows = months.map((parts) => parts.filter((p) => p.rows > 0).length);
  const first = months[0]?.[0]?.partition ?? '—';
  const last = months[0]?.[months[0].length - 1]?.partition ?? '—';
  return (
    `records partitions per shard ${shards.map((parts) => parts.length).join(' / ')} (months ${first}..${last}, ${withRows.join(' / ')} holding rows); ` +
    `rows in p_before ${rowsIn('p_before').join(' / ')}, in pmax ${rowsIn('pmax').join(' / ')}`
  );
}
