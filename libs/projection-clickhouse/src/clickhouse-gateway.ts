import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseConfig } from './clickhouse.config';
import type { Sql } from './sql/sql-literals';
import { tabSeparated } from './sql/tab-separated';

/**
 * The three things Shardline asks of ClickHouse. Everything above this interface is plain SQL
 * text (built with sql-literals) so the same statements can be run by another engine binding,
 * e.g. an embedded ClickHouse, to prove they work across server versions.
 */
export interface ClickHouseGateway {
  /** A statement without a result set (DDL, RENAME, INSERT ... SELECT). */
  command(sql: Sql): Promise<void>;
  /**
   * A SELECT; rows as JSON objects. 64-bit integers arrive as strings from 18.16 and as numbers
   * from current ClickHouse: read counts with Number(), and select ids as toString(id).
   */
  select<T = Record<string, unknown>>(sql: Sql): Promise<T[]>;
  /**
   * ONE INSERT of all rows (JSONEachRow, or TabSeparated with the first row's keys as the column
   * list: every row must carry the same keys); `table` is a qualified name from sqlQualifiedName.
   */
  insertRows(table: Sql, rows: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

/** Gateway over the HTTP interface (@clickhouse/client); errors and timeouts propagate as thrown. */
export function createClickHouseGateway(config: ClickHouseConfig): ClickHouseGateway {
  const client: ClickHouseClient = createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    request_timeout: config.requestTimeoutMs,
    // No default database: prepare() may have to create it, and every statement names it anyway.
    application: 'shardline',
    // Failures are thrown to the caller, which decides (retry, 503) and logs them once.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    async command(sql) {
      await client.command({ query: sql });
    },
    async select<T>(sql: Sql) {
      const result = await client.query({ query: sql, format: 'JSONEachRow' });
      return result.json<T>();
    },
    async insertRows(table, rows) {
      if (rows.length === 0) return;
      if (config.insertFormat === 'TabSeparated') {
        const columns = Object.keys(rows[0]) as [string, ...string[]];
        await client.insert({
          table,
          columns,
          // Raw formats go to the client as a byte stream; it encodes only the JSON formats itself.
          values: Readable.from([Buffer.from(tabSeparated(rows, columns))], { objectMode: false }),
          format: 'TabSeparated',
          clickhouse_settings: { date_time_input_format: 'best_effort' },
        });
        return;
      }
      await client.insert({
        table,
        values: rows as Record<string, unknown>[],
        format: 'JSONEachRow',
        // 18.16 parses only 'YYYY-MM-DD hh:mm:ss' DateTimes by default; the rows carry that form
        // already, best_effort keeps an ISO value from failing the whole batch.
        clickhouse_settings: { date_time_input_format: 'best_effort' },
      });
    },
    async close() {
      await client.close();
    },
  };
}
