import { BACKSLASH_ESCAPES, SqlLiteralError } from './sql-literals';

// What the reader would take for a separator or an escape; other control characters go verbatim
// (the reader keeps them), so nothing here depends on \xHH support.
const NEEDS_ESCAPE = /[\\\0\b\f\n\r\t]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** One TabSeparated field: a string escaped as ClickHouse's TSV reader unescapes it, a finite number as written. */
export function tsvField(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SqlLiteralError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value !== 'string') throw new SqlLiteralError(`a TabSeparated field must be a string or a number, got ${value === null ? 'null' : typeof value}`);
  if (LONE_SURROGATE.test(value)) throw new SqlLiteralError('string with a lone UTF-16 surrogate');
  return value.replace(NEEDS_ESCAPE, (c) => BACKSLASH_ESCAPES[c]);
}

/**
 * Rows as a TabSeparated body, fields in `columns` order, one line per row. The insert format the
 * ClickHouse server parses with the least work (no key names to match per row, unlike JSONEachRow):
 * the INSERT names the columns, every row must carry each of them.
 */
export function tabSeparated(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i]];
      if (value === undefined) throw new SqlLiteralError(`row without column ${columns[i]}`);
      out += (i === 0 ? '' : '\t') + tsvField(value);
    }
    out += '\n';
  }
  return out;
}
