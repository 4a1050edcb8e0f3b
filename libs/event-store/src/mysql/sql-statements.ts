import { format } from 'mysql2';

/** Escapes values into SQL with mysql2's own formatter (the same one its query() uses), dates as UTC. */
export function formatSql(sql: string, values: unknown[]): string {
  return format(sql, values as never, false, 'Z');
}

/** A statement of an append transaction; `guard` means it must touch exactly one row. */
export interface PlannedStatement {
  sql: string;
  guard?: { streamId: string; expectedVersion: number };
}

const MAX_ROWS_PER_STATEMENT = 1000;

/** The events row of one appended event, as the event store's append writes it. */
export const APPEND_EVENT_COLUMNS = ['month_key', 'stream_id', 'stream_version', 'event_type', 'schema_version', 'data', 'metadata', 'created_time', 'staged_by', 'slot'] as const;

/** The outbox row of one event: what the relay publishes (and deletes once Kafka acknowledged it). */
export const OUTBOX_COLUMNS = ['stream_id', 'stream_version', 'month_key', 'partition_key', 'created_time'] as const;

/**
 * Multi-row INSERTs for `rows`, at most 1,000 rows per statement.
 *
 * Rows are written with sqlLiteral() rather than mysql2's format(): the write path turns every
 * accepted record into three rows, and the generic formatter (placeholder scan, per-value type
 * dispatch, a Date formatted per row) was a fifth of the batch path's CPU. sqlLiteral produces
 * the same text for the value types used here, but for double quotes, which it leaves as they are;
 * the unit tests compare the two, test/contracts/sql-literals.int.spec.ts reads them back from MariaDB.
 */
export function insertStatements(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): PlannedStatement[] {
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const out: PlannedStatement[] = [];
  const dates = new DateLiterals();
  for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
    const end = Math.min(rows.length, i + MAX_ROWS_PER_STATEMENT);
    // One array of pieces joined once: a flat string in one allocation. Tuples built with += were
    // ropes of ropes the join had to walk (bench/ingest/row-sql.ts, quiet machine: 11.2 → 8.3 µs
    // of CPU per record for the three rows).
    const pieces: string[] = [head];
    for (let r = i; r < end; r++) {
      const row = rows[r];
      pieces.push(r === i ? '(' : ', (');
      for (let c = 0; c < row.length; c++) {
        if (c > 0) pieces.push(', ');
        pieces.push(sqlLiteral(row[c], dates));
      }
      pieces.push(')');
    }
    out.push({ sql: pieces.join('') });
  }
  return out;
}

// What MySQL needs escaped inside a single-quoted string (with the default sql_mode, i.e. backslash
// escapes on), and the escape for each: mysql2/sqlstring's table without the double quote, which is
// an ordinary character between single quotes (in every sql_mode; ANSI_QUOTES is about identifiers).
// Every JSON column is full of double quotes: escaping them sent each through a replace callback,
// 4–5 µs per JSON value against ~1 µs without, on every row of every append (bench/README.md).
const NEEDS_ESCAPE = /[\0\b\t\n\r\x1a'\\]/;
const ESCAPES = /[\0\b\t\n\r\x1a'\\]/g;
const ESCAPE_OF: Record<string, string> = {
  '\0': '\\0',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  "'": "\\'",
  '\\': '\\\\',
};

/**
 * One value as a MySQL literal: strings quoted and escaped, finite numbers and bigints as
 * digits, booleans as 1/0, null/undefined as NULL, Dates as UTC 'YYYY-MM-DD HH:MM:SS.mmm'.
 * Anything else (objects, NaN) is a programming error here: callers JSON.stringify columns.
 */
export function sqlLiteral(value: unknown, dates: DateLiterals = new DateLiterals()): string {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? `'${value.replace(ESCAPES, (ch) => ESCAPE_OF[ch])}'` : `'${value}'`;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} to SQL`);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? '1' : '0';
    case 'undefined':
      return 'NULL';
    case 'object':
      if (value === null) return 'NULL';
      if (value instanceof Date) return dates.of(value);
  }
  throw new TypeError(`cannot write a ${typeof value} to SQL`);
}

/** Formats Dates as UTC DATETIME(3) literals, remembering the last one (a transaction's rows share `now`). */
export class DateLiterals {
  private lastTime = NaN;
  private lastLiteral = '';

  of(date: Date): string {
    const time = date.getTime();
    if (time === this.lastTime) return this.lastLiteral;
    if (!Number.isFinite(time)) throw new TypeError('cannot write an invalid Date to SQL');
    this.lastTime = time;
    this.lastLiteral = `'${date.toISOString().slice(0, 23).replace('T', ' ')}'`;
    return this.lastLiteral;
  }
}
