import type { ClickHouseGateway } from '../clickhouse-gateway';
import { sqlQualifiedName, sqlString, type Sql } from '../sql/sql-literals';
import { PART_OF_DAY_TABLES, partialRunPartitionSql } from './rollup-tables';

/** One (day, run) partition of a table of runs of a part of a day (rollup-tables.ts). */
export interface PartialRunPartition {
  table: (typeof PART_OF_DAY_TABLES)[number];
  /** As system.parts names it: `('YYYY-MM-DD',run_id)`. */
  partition: string;
  day: string;
  run: string;
}

const PARTITION = /^\('(\d{4}-\d{2}-\d{2})',(\d+)\)$/;

/**
 * The (day, run) partitions the part-of-day tables hold, from the parts' metadata (no row read):
 * what the rollup job prunes and retention expires. A partition named otherwise (a ClickHouse that
 * renders the key differently) stops the caller loudly rather than leaving the tables to grow.
 */
export async function partialRunPartitions(gateway: ClickHouseGateway, database: string): Promise<PartialRunPartition[]> {
  const rows = await gateway.select<{ table: PartialRunPartition['table']; partition: string }>(
    `SELECT DISTINCT table, partition FROM system.parts WHERE active AND database = ${sqlString(database)} AND table IN (${PART_OF_DAY_TABLES.map(sqlString).join(', ')})` as Sql,
  );
  return rows.map(({ table, partition }) => {
    const key = PARTITION.exec(partition);
    if (!key) throw new Error(`${database}.${table} has a partition named ${partition}, not ('YYYY-MM-DD',run_id): its runs cannot be pruned`);
    return { table, partition, day: key[1], run: key[2] };
  });
}

/** ALTER TABLE … DROP PARTITION: a metadata operation, no rewrite. */
export function dropPartialRunPartition(gateway: ClickHouseGateway, database: string, p: PartialRunPartition): Promise<void> {
  return gateway.command(`ALTER TABLE ${sqlQualifiedName(database, p.table)} DROP PARTITION ${partialRunPartitionSql(p.day, p.run)}` as Sql);
}
