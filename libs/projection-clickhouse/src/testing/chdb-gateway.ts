import type { ClickHouseGateway } from '../clickhouse-gateway';
import type { Sql } from '../sql/sql-literals';

interface ChdbSession {
  query(sql: string, format: string): string;
  close(): void;
}

/**
 * A gateway over chDB (ClickHouse embedded in the Node process, current ClickHouse), used only by
 * tests to prove that the same SQL runs on the newest ClickHouse as on the 18.16 server. chdb is
 * not a project dependency (its native library is ~550 MB): returns null when it cannot be
 * loaded, e.g. `npm install --no-save chdb` was not run (see the lib README).
 */
export function tryCreateChdbGateway(): ClickHouseGateway | null {
  let chdb: { Session: new () => ChdbSession };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    chdb = require('chdb');
  } catch {
    return null;
  }
  const session = new chdb.Session();
  return {
    async command(sql: Sql) {
      session.query(sql, 'TabSeparated');
    },
    async select<T>(sql: Sql): Promise<T[]> {
      return session
        .query(sql, 'JSONEachRow')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as T);
    },
    async insertRows(table: Sql, rows: readonly Record<string, unknown>[]) {
      if (rows.length === 0) return;
      session.query(`INSERT INTO ${table} FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`, 'TabSeparated');
    },
    async close() {
      session.close();
    },
  };
}
