import type { ClickHouseGateway } from '../clickhouse-gateway';
import { EVENTS_TABLE, LATEST_TABLE } from '../schema/analytics-tables';
import { sqlQualifiedName, sqlString, sqlUInt64, type Sql } from '../sql/sql-literals';

/**
 * Deletes a user's rows from every table of the analytics read model: the live raw-events and
 * latest-state tables and any rebuild or retired set beside them (`record_events__rb_…`,
 * `…__before_…`), which hold the same personal content. ALTER TABLE … DELETE is a mutation that
 * ClickHouse applies in the background; this waits until every one it started is done, so the
 * rows are gone from disk when it returns. The daily aggregates hold counts only and are kept.
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
    return rows;
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
