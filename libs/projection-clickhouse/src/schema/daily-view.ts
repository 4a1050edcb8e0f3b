import type { ClickHouseGateway } from '../clickhouse-gateway';
import { sqlQualifiedName, sqlString } from '../sql/sql-literals';
import { createDailyViewSql } from './analytics-ddl';
import { DAILY_VIEW } from './analytics-tables';

/** Every daily view this code creates counts moves; one created before moves counted (docs/adr/0004) lacks the word. */
const CURRENT_VIEW_MARK = 'RecordMovedIn';

/**
 * Creates the analysts' daily view, or replaces one that predates the current definition. ClickHouse
 * 18.16 has no CREATE OR REPLACE VIEW, so the new view is created aside and both names are swapped in
 * ONE RENAME: analysts never find the view missing. A concurrent prepare that loses the swap fails and
 * is retried by its worker, which then finds the current view.
 */
export async function ensureDailyView(gateway: ClickHouseGateway, database: string): Promise<void> {
  const rows = await gateway.select<{ query: string }>(
    `SELECT create_table_query AS query FROM system.tables WHERE database = ${sqlString(database)} AND name = ${sqlString(DAILY_VIEW)}`,
  );
  if (rows.length === 0) return gateway.command(createDailyViewSql(database));
  if (rows[0].query.includes(CURRENT_VIEW_MARK)) return;
  const name = (table: string) => sqlQualifiedName(database, table);
  const next = `${DAILY_VIEW}__next`;
  const before = `${DAILY_VIEW}__before`;
  await gateway.command(`DROP TABLE IF EXISTS ${name(next)}`);
  await gateway.command(createDailyViewSql(database, next));
  await gateway.command(`DROP TABLE IF EXISTS ${name(before)}`);
  await gateway.command(`RENAME TABLE ${name(DAILY_VIEW)} TO ${name(before)}, ${name(next)} TO ${name(DAILY_VIEW)}`);
  await gateway.command(`DROP TABLE ${name(before)}`);
}
