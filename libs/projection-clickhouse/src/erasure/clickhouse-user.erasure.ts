import type { ClickHouseGateway } from '../clickhouse-gateway';
import { EVENTS_TABLE, LATEST_TABLE, liveTables } from '../schema/analytics-tables';
import { DailyRollup } from '../rollup/daily-rollup';
import { sqlDate, sqlQualifiedName, sqlString, sqlUInt64, type Sql } from '../sql/sql-literals';
import { PART_OF_DAY_TABLES, ROLLUP_TABLE } from '../rollup/rollup-tables';

/**
 * Deletes a user's rows from every table of the analytics read model: the live raw-events and
 * latest-state tables and any rebuild or retired set beside them (`record_events__rb_…`,
 * `…__before_…`), which hold the same personal content. ALTER TABLE … DELETE is a mutation that
 * ClickHouse applies in the background; this waits until every one it started is done, so the
 * rows are gone from disk when it returns. The daily rollup holds the user's id in its users'
 * sets and counted their events: the days the user had events are marked dirty (readers go raw,
 * the next rollup job recomputes them without the user) and their rollup rows are deleted too.
 * Safe to repeat: a second erasure finds no rows and starts no mutation.
 */
export class ClickHouseUserErasure {
  constructor(
    private readonly gateway: ClickHouseGateway,
    private readonly database: string,
    private readonly pollMs = 100,
  ) {}

  /** Returns the rows the user had (raw events and latest-state rows, every table set). */
  async eraseUser(userId: string, signal?: AbortSignal): Promise<number> {
    const tables = await this.gateway.select<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = ${sqlString(this.database)} AND (name LIKE ${sqlString(`${EVENTS_TABLE}%`)} OR name LIKE ${sqlString(`${LATEST_TABLE}%`)}) AND engine LIKE '%MergeTree'` as Sql,
    );
    const days = tables.some((t) => t.name === EVENTS_TABLE)
      ? await this.gateway.select<{ day: string }>(
          `SELECT DISTINCT toString(event_date) AS day FROM ${liveTables(this.database).events} WHERE user_id = ${sqlUInt64(userId)}` as Sql,
        )
      : [];
    let rows = 0;
    const mutated: string[] = [];
    for (const { name } of tables) {
      const table = sqlQualifiedName(this.database, name);
      const [{ n }] = await this.gateway.select<{ n: string | number }>(`SELECT count() AS n FROM ${table} WHERE user_id = ${sqlUInt64(userId)}` as Sql);
      if (Number(n) === 0) continue;
      rows += Number(n);
      await this.gateway.command(`ALTER TABLE ${table} DELETE WHERE user_id = ${sqlUInt64(userId)}` as Sql);
      mutated.push(name);
    }
    for (const name of mutated) await this.untilMutationsDone(name, signal);
    if (days.length > 0) await this.forgetInRollup(days.map((d) => d.day), signal);
    return rows;
  }

  /**
   * Dirty first (readers stop using those days' runs), then delete those days' rollup rows, then
   * dirty again: a run that read the raw table between the first mark and the delete loses its
   * rows to the delete and is voided by the second mark.
   */
  private async forgetInRollup(days: string[], signal?: AbortSignal): Promise<void> {
    const rollup = new DailyRollup(this.gateway, this.database);
    const present = await this.gateway.select<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = ${sqlString(this.database)} AND name IN (${[ROLLUP_TABLE, ...PART_OF_DAY_TABLES].map(sqlString).join(', ')})` as Sql,
    );
    if (present.length === 0) return; // a read model prepared before the rollup existed: nothing rolled up
    await rollup.markDirty(days);
    const onDays = `day IN (${days.map(sqlDate).join(', ')})`;
    // Every table of rows: the whole days' and the partial runs' (the current day's first minutes; hours before docs/adr/0009).
    for (const { name } of present) {
      const table = sqlQualifiedName(this.database, name);
      const [{ n }] = await this.gateway.select<{ n: string | number }>(`SELECT count() AS n FROM ${table} WHERE ${onDays}` as Sql);
      if (Number(n) === 0) continue;
      await this.gateway.command(`ALTER TABLE ${table} DELETE WHERE ${onDays}` as Sql);
      await this.untilMutationsDone(name, signal);
    }
    await rollup.markDirty(days);
  }

  private async untilMutationsDone(table: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const [{ pending }] = await this.gateway.select<{ pending: string | number }>(
        `SELECT count() AS pending FROM system.mutations WHERE database = ${sqlString(this.database)} AND table = ${sqlString(table)} AND is_done = 0` as Sql,
      );
      if (Number(pending) === 0 || signal?.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }
}
