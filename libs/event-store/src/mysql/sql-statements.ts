import { format } from 'mysql2';

/** Escapes values into SQL with mysql2's own formatter (the same one its query() uses), dates as UTC. */
export function formatSql(sql: string, values: unknown[]): string {
  return format(sql, values as never, false, "Z");
}

/** A statement of an append transaction; `guard` means it must touch exactly one row. */
export interface PlannedStatement {
  sql: string;
  guard?: { streamId: string; expectedVersion: number };
}

const MAX_ROWS_PER_STATEMENT = 1000;

/** Multi-row INSERTs for `rows`, at most 1,000 rows per statement. */
export function insertStatements(table: string, columns: readonly string[], rows: unknown[][]): PlannedStatement[] {
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`;
  const out: PlannedStatement[] = [];
  for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
    out.push({ sql: formatSql(head, [rows.slice(i, i + MAX_ROWS_PER_STATEMENT)]) });
  }
  return out;
}
