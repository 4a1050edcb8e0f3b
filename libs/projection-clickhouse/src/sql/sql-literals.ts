import { InternalError } from '@shardline/errors';

/**
 * The ONLY way a value enters Shardline's ClickHouse SQL. ClickHouse 18.16 (the Debian server)
 * has no query parameters, so every value is rendered as a literal here and nowhere else; callers
 * concatenate only these results and fixed SQL text. Everything is validated first and refused
 * with SqlLiteralError rather than coerced: a value that cannot be rendered exactly is a bug or
 * an attack, never something to guess about.
 *
 * Rendered forms are valid on 18.16 and on current ClickHouse alike.
 */
export class SqlLiteralError extends InternalError {
  constructor(message: string) {
    // `internal`: input is validated before it gets here, so a value refused here is our bug (500), never a 400.
    super('SQL.INVALID_LITERAL', message);
  }
}

/** A piece of SQL built only from fixed text and the functions below (documentation by type). */
export type Sql = string & { readonly __sql?: never };

/** Backslash escapes ClickHouse's readers share (string literals and TabSeparated fields alike). */
export const BACKSLASH_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const SIMPLE_ESCAPES: Record<string, string> = {
  ...BACKSLASH_ESCAPES,
  "'": "\\'",
};
// Backslash, quote and every C0 control plus DEL; everything else (incl. any Unicode) goes verbatim.
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A single-quoted string literal. Backslash and quote are backslash-escaped (ClickHouse treats
 * backslash as an escape character inside literals), NUL and the other control characters become
 * `\0`, `\n`, ... or `\xHH`, so the literal is one printable line whatever the input. Strings with
 * a lone UTF-16 surrogate are refused: they have no UTF-8 form and would be silently altered.
 */
export function sqlString(value: string): Sql {
  if (typeof value !== 'string') throw new SqlLiteralError(`expected a string, got ${typeof value}`);
  if (LONE_SURROGATE.test(value)) throw new SqlLiteralError('string contains a lone UTF-16 surrogate (not representable in UTF-8)');
  return `'${value.replace(NEEDS_ESCAPE, (c) => SIMPLE_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** `(lit, lit, ...)` for IN; an empty list is refused (`IN ()` is a syntax error). */
export function sqlStringList(values: readonly string[]): Sql {
  if (!Array.isArray(values) || values.length === 0) throw new SqlLiteralError('a list for IN needs at least one value');
  return `(${values.map(sqlString).join(', ')})`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,94}$/;

/** A database/table/column name: `[A-Za-z_][A-Za-z0-9_]*` (≤ 95 chars) only, rendered back-quoted. */
export function sqlIdentifier(name: string): Sql {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new SqlLiteralError(`invalid identifier ${JSON.stringify(name)}: letters, digits and _ only, not starting with a digit, at most 95 characters`);
  }
  return `\`${name}\``;
}

/** `db`.`table` from two validated identifiers. */
export function sqlQualifiedName(database: string, table: string): Sql {
  return `${sqlIdentifier(database)}.${sqlIdentifier(table)}`;
}

export function isValidIdentifier(name: string): boolean {
  return typeof name === 'string' && IDENTIFIER.test(name);
}

const UINT64_MAX = 18446744073709551615n;
const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

/** An unsigned 64-bit integer given as a decimal string, bigint or safe integer; rendered in decimal. */
export function sqlUInt64(value: string | number | bigint): Sql {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new SqlLiteralError(`not a safe integer: ${value}`);
    n = BigInt(value);
  } else if (typeof value === 'string' && DECIMAL.test(value)) n = BigInt(value);
  else throw new SqlLiteralError(`not an unsigned 64-bit decimal integer: ${JSON.stringify(value)}`);
  if (n < 0n || n > UINT64_MAX) throw new SqlLiteralError(`out of the UInt64 range: ${n}`);
  return n.toString();
}

/** A JS integer within [min, max] (both must be safe integers). */
export function sqlInt(value: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Sql {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new SqlLiteralError(`not an integer in [${min}, ${max}]: ${String(value)}`);
  }
  return String(value);
}

// ClickHouse Date/DateTime (32-bit) cover 1970-01-01 .. 2105; we accept a conservative subset.
const MIN_DAY = '1970-01-01';
const MAX_DAY = '2105-12-31';
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date `YYYY-MM-DD` within ClickHouse's Date range. */
export function isValidDay(day: string): boolean {
  const m = typeof day === 'string' ? DAY.exec(day) : null;
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Round-tripping catches 2026-02-30 and friends, which ClickHouse would silently roll over.
  return date.toISOString().slice(0, 10) === day && day >= MIN_DAY && day <= MAX_DAY;
}

/** `toDate('YYYY-MM-DD')` for a validated calendar day. */
export function sqlDate(day: string): Sql {
  if (!isValidDay(day)) throw new SqlLiteralError(`not a calendar date YYYY-MM-DD within ${MIN_DAY}..${MAX_DAY}: ${JSON.stringify(day)}`);
  return `toDate('${day}')`;
}

/** `toDateTime('YYYY-MM-DD hh:mm:ss', 'UTC')` for a valid Date (sub-second part dropped). */
export function sqlDateTime(value: Date): Sql {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new SqlLiteralError('not a valid Date');
  const iso = value.toISOString();
  if (iso.slice(0, 10) < MIN_DAY || iso.slice(0, 10) > '2106-01-01' || iso.length !== 24) throw new SqlLiteralError(`out of the DateTime range: ${iso}`);
  return `toDateTime('${iso.slice(0, 10)} ${iso.slice(11, 19)}', 'UTC')`;
}

/** One of a fixed set of strings (e.g. event types), rendered as a string literal. */
export function sqlOneOf<T extends string>(value: string, allowed: readonly T[]): Sql {
  if (!allowed.includes(value as T)) throw new SqlLiteralError(`${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return sqlString(value);
}

/** Fixed SQL text picked by a key (a sort order, a bucket function); a key outside `choices` is refused, never rendered. */
export function sqlChoice<K extends string>(key: K, choices: Readonly<Record<K, Sql>>): Sql {
  if (typeof key !== 'string' || !Object.hasOwn(choices, key)) throw new SqlLiteralError(`${JSON.stringify(key)} is not one of ${Object.keys(choices).join(', ')}`);
  return choices[key];
}
