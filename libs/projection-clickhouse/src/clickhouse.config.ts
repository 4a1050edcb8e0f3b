import { z } from 'zod';
import { isValidIdentifier } from './sql/sql-literals';

export const clickHouseConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  /** Database holding the analytics tables; created by prepare() when missing. */
  database: z.string().refine(isValidIdentifier, 'letters, digits and _ only, not starting with a digit'),
  username: z.string().min(1).max(200),
  password: z.string().max(200),
  /** Per request; a timeout is a transient failure (apply throws, the runner retries). */
  requestTimeoutMs: z.coerce.number().int().min(100).max(600_000),
  /**
   * Body format of the projection's INSERTs (JSONEachRow when unset here; the env default is TabSeparated): TabSeparated names the columns
   * once per INSERT instead of once per row, less for the server to parse (bench/README.md).
   */
  insertFormat: z.enum(['JSONEachRow', 'TabSeparated']).optional(),
});
export type ClickHouseConfig = z.infer<typeof clickHouseConfigSchema>;

/**
 * ClickHouse settings from an environment map (apps pass process.env; libs never read it):
 * SHARDLINE_CLICKHOUSE_URL (default http://127.0.0.1:8123), SHARDLINE_CLICKHOUSE_DATABASE
 * (default shardline), SHARDLINE_CLICKHOUSE_USER (default `default`), SHARDLINE_CLICKHOUSE_PASSWORD
 * (default empty), SHARDLINE_CLICKHOUSE_REQUEST_TIMEOUT_MS (default 30000),
 * SHARDLINE_CLICKHOUSE_INSERT_FORMAT (TabSeparated or JSONEachRow, default TabSeparated).
 * Readers (the query API, analysts) may use the read-only `analyst` user; the projector needs a
 * user that may create tables and insert.
 */
export function clickHouseConfigFromEnv(env: Record<string, string | undefined>): ClickHouseConfig {
  return clickHouseConfigSchema.parse({
    url: env.SHARDLINE_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
    database: env.SHARDLINE_CLICKHOUSE_DATABASE ?? 'shardline',
    username: env.SHARDLINE_CLICKHOUSE_USER ?? 'default',
    password: env.SHARDLINE_CLICKHOUSE_PASSWORD ?? '',
    requestTimeoutMs: env.SHARDLINE_CLICKHOUSE_REQUEST_TIMEOUT_MS ?? 30_000,
    insertFormat: env.SHARDLINE_CLICKHOUSE_INSERT_FORMAT ?? 'TabSeparated',
  });
}
