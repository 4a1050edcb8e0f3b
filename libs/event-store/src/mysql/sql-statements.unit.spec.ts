import { format } from 'mysql2';
import { DateLiterals, insertStatements, sqlLiteral } from './sql-statements';

// sqlLiteral replaces mysql2's formatter on the hot path: it must produce the same SQL text, but
// for double quotes, which need no escape between single quotes (mysql2 writes \" for them).
// test/contracts/sql-literals.int.spec.ts reads the literals back from MariaDB.
const unescapedDoubleQuotes = (sql: string) => sql.replaceAll('\\"', '"');

describe('sqlLiteral', () => {
  const reference = (value: unknown) => unescapedDoubleQuotes(format('?', [value] as never, false, 'Z'));

  it.each([
    ['plain', 'hello'],
    ['empty', ''],
    ['quotes', `it's "quoted"`],
    ['backslashes', 'C:\\path\\'],
    ['control characters', 'a\0b\bc\td\ne\rf\x1ag'],
    ['injection attempt', "x'); DROP TABLE events; --"],
    ['trailing backslash before quote', "\\'"],
    ['unicode', 'zaï 漢字 😀'],
    ['JSON', JSON.stringify({ a: "o'k", b: 'line\nbreak', c: '\\' })],
    ['backslash before a double quote', 'a\\"b\\\\"'],
  ])('escapes strings like mysql2 (%s)', (_name, value) => {
    expect(sqlLiteral(value)).toBe(reference(value));
  });

  it('leaves double quotes as they are (JSON is full of them)', () => {
    expect(sqlLiteral('{"a":"b"}')).toBe(`'{"a":"b"}'`);
  });

  it.each([0, 1, -5, 3.25, 2 ** 53 - 1])('writes the number %p like mysql2', (value) => {
    expect(sqlLiteral(value)).toBe(reference(value));
  });

  it('writes bigints, booleans and nulls', () => {
    expect(sqlLiteral(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(sqlLiteral(true)).toBe('1');
    expect(sqlLiteral(false)).toBe('0');
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
  });

  it('writes dates as UTC DATETIME(3) like mysql2 with timezone Z', () => {
    const date = new Date('2026-03-04T05:06:07.089Z');
    expect(sqlLiteral(date)).toBe(reference(date));
    expect(sqlLiteral(date)).toBe("'2026-03-04 05:06:07.089'");
    const dates = new DateLiterals();
    expect(dates.of(date)).toBe(dates.of(new Date(date.getTime())));
    expect(dates.of(new Date(0))).toBe("'1970-01-01 00:00:00.000'");
  });

  it('refuses values it cannot write faithfully', () => {
    expect(() => sqlLiteral(NaN)).toThrow(TypeError);
    expect(() => sqlLiteral(Infinity)).toThrow(TypeError);
    expect(() => sqlLiteral({ a: 1 })).toThrow(TypeError);
    expect(() => sqlLiteral(new Date('nope'))).toThrow(TypeError);
  });
});

describe('insertStatements', () => {
  it('builds the same multi-row INSERT as mysql2 and splits at 1,000 rows', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => [i, `s'${i}"`, new Date(i * 1000), null]);
    const statements = insertStatements('t', ['a', 'b', 'c', 'd'], rows);
    expect(statements).toHaveLength(3);
    expect(statements[0].sql).toBe(unescapedDoubleQuotes(format('INSERT INTO t (a, b, c, d) VALUES ?', [rows.slice(0, 1000)] as never, false, 'Z')));
    expect(statements[2].sql).toBe(unescapedDoubleQuotes(format('INSERT INTO t (a, b, c, d) VALUES ?', [rows.slice(2000)] as never, false, 'Z')));
  });
});
