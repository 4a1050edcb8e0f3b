import {
  isValidDay,
  sqlChoice,
  sqlDate,
  sqlDateTime,
  sqlIdentifier,
  sqlInt,
  SqlLiteralError,
  sqlOneOf,
  sqlQualifiedName,
  sqlString,
  sqlStringList,
  sqlUInt64,
} from './sql-literals';

/**
 * Reads a ClickHouse single-quoted literal the way the server's lexer does (escape table of
 * ClickHouse's parseComplexEscapeSequence), independently of the implementation under test.
 * Returns the decoded value and how many characters the literal spanned, so a test can prove the
 * literal ends exactly where the rendered text ends (nothing can "break out").
 */
function readLiteral(sql: string): { value: string; length: number } {
  if (sql[0] !== "'") throw new Error('literal must start with a quote');
  let out = '';
  for (let i = 1; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") return { value: out, length: i + 1 };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = sql[++i];
    const table: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', v: '\v', '\\': '\\', "'": "'" };
    if (e === 'x') {
      out += String.fromCharCode(parseInt(sql.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e in table) out += table[e];
    else out += e; // unknown escapes keep the character (server behaviour)
  }
  throw new Error('unterminated literal');
}

const HOSTILE = [
  '',
  "'",
  "''",
  "\\'",
  '\\',
  '\\\\',
  "a'b",
  "'; DROP TABLE record_events; --",
  "x') OR 1=1 --",
  "\\'; SELECT 1 --",
  '\0',
  'a\0b',
  '\x01\x02\x1f\x7f',
  '\n\r\t\b\f\v',
  '`backtick` "double"',
  '{"json":"value","nested":{"q":"\\"quoted\\""}}',
  'emoji 🙂 and 中文 and ünïcödé',
  '\u2028\u2029',
  '%s %d ? :name {p:String}',
  'ends with backslash \\',
  '/* comment */ -- comment',
];

describe('sqlString', () => {
  it.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('renders %s as one literal that decodes to the input', (_, input) => {
    const sql = sqlString(input);
    const { value, length } = readLiteral(sql);
    expect(value).toBe(input);
    expect(length).toBe(sql.length);
  });

  it('never leaves a raw control character or an unescaped quote in the output', () => {
    for (let code = 0; code < 0x80; code++) {
      const sql = sqlString(`a${String.fromCharCode(code)}b`);
      expect(sql).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(readLiteral(sql)).toEqual({ value: `a${String.fromCharCode(code)}b`, length: sql.length });
    }
  });

  it('round-trips random strings made of the dangerous characters', () => {
    const alphabet = ["'", '\\', '\0', '\n', '\t', 'x', '\x1b', '"', '`', ' ', '🙂', 'é', '\x7f', ';', '-'];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(rnd() * 20);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const sql = sqlString(s);
      expect(readLiteral(sql)).toEqual({ value: s, length: sql.length });
    }
  });

  it('escapes with the exact forms ClickHouse 18.16 understands', () => {
    expect(sqlString("it's")).toBe("'it\\'s'");
    expect(sqlString('a\\b')).toBe("'a\\\\b'");
    expect(sqlString('\0\n\x01')).toBe("'\\0\\n\\x01'");
  });

  it('refuses lone surrogates and non-strings', () => {
    expect(() => sqlString('a\ud800b')).toThrow(SqlLiteralError);
    expect(() => sqlString('\udc00')).toThrow(SqlLiteralError);
    expect(sqlString('\ud83d\ude42')).toBe("'🙂'");
    expect(() => sqlString(42 as unknown as string)).toThrow(SqlLiteralError);
    expect(() => sqlString(null as unknown as string)).toThrow(SqlLiteralError);
  });
});

describe('sqlStringList', () => {
  it('renders a parenthesised list and refuses an empty one', () => {
    expect(sqlStringList(['a', "b'c"])).toBe("('a', 'b\\'c')");
    expect(() => sqlStringList([])).toThrow(SqlLiteralError);
  });
});

describe('sqlIdentifier', () => {
  it('accepts plain names and back-quotes them', () => {
    expect(sqlIdentifier('shardline')).toBe('`shardline`');
    expect(sqlIdentifier('_t1')).toBe('`_t1`');
    expect(sqlQualifiedName('db', 'record_events')).toBe('`db`.`record_events`');
  });
  it.each(['', '1abc', 'a-b', 'a b', 'a`b', 'a.b', "a'b", 'a;drop', 'é', 'a\0', 'x'.repeat(96), 'tab\t'])('refuses %j', (name) => {
    expect(() => sqlIdentifier(name)).toThrow(SqlLiteralError);
  });
});

describe('sqlUInt64 / sqlInt', () => {
  it('accepts the full UInt64 range as strings and bigints', () => {
    expect(sqlUInt64('0')).toBe('0');
    expect(sqlUInt64('18446744073709551615')).toBe('18446744073709551615');
    expect(sqlUInt64(18446744073709551615n)).toBe('18446744073709551615');
    expect(sqlUInt64(42)).toBe('42');
  });
  it.each(['18446744073709551616', '-1', '01', '1e3', ' 1', '1 ', '0x10', '', '1;', '１'])('refuses %j', (v) => {
    expect(() => sqlUInt64(v)).toThrow(SqlLiteralError);
  });
  it('refuses unsafe or fractional numbers and negative bigints', () => {
    expect(() => sqlUInt64(2 ** 53)).toThrow(SqlLiteralError);
    expect(() => sqlUInt64(1.5)).toThrow(SqlLiteralError);
    expect(() => sqlUInt64(-1n)).toThrow(SqlLiteralError);
  });
  it('bounds plain integers', () => {
    expect(sqlInt(5, 1, 10)).toBe('5');
    expect(() => sqlInt(11, 1, 10)).toThrow(SqlLiteralError);
    expect(() => sqlInt(NaN)).toThrow(SqlLiteralError);
    expect(() => sqlInt(Infinity)).toThrow(SqlLiteralError);
    expect(() => sqlInt('5' as unknown as number)).toThrow(SqlLiteralError);
  });
});

describe('dates', () => {
  it('renders real calendar days and refuses what ClickHouse would roll over', () => {
    expect(sqlDate('2026-02-28')).toBe("toDate('2026-02-28')");
    expect(sqlDate('2024-02-29')).toBe("toDate('2024-02-29')");
    for (const bad of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-1-01', '26-01-01', '1969-12-31', '2106-01-01', "2026-01-01'", '2026-01-01 00:00:00', '']) {
      expect(isValidDay(bad)).toBe(false);
      expect(() => sqlDate(bad)).toThrow(SqlLiteralError);
    }
  });
  it('renders DateTime in UTC with whole seconds', () => {
    expect(sqlDateTime(new Date('2026-01-02T03:04:05.678Z'))).toBe("toDateTime('2026-01-02 03:04:05', 'UTC')");
    expect(() => sqlDateTime(new Date('nope'))).toThrow(SqlLiteralError);
    expect(() => sqlDateTime(new Date('1969-12-31T23:59:59Z'))).toThrow(SqlLiteralError);
  });
});

describe('sqlOneOf', () => {
  it('renders only listed values', () => {
    expect(sqlOneOf('RecordCreated', ['RecordCreated', 'RecordDeleted'])).toBe("'RecordCreated'");
    expect(() => sqlOneOf("RecordCreated'", ['RecordCreated'])).toThrow(SqlLiteralError);
  });
});

describe('sqlChoice', () => {
  it('picks fixed SQL text by key and refuses any other key as a bug of ours', () => {
    const order = { events: 'events DESC', records_created: 'records_created DESC' };
    expect(sqlChoice('events', order)).toBe('events DESC');
    for (const bad of ['hour', 'toString', '__proto__', 'events DESC; DROP TABLE x']) {
      expect(() => sqlChoice(bad as 'events', order)).toThrow(expect.objectContaining({ code: 'SQL.INVALID_LITERAL', kind: 'internal', retriable: false }));
    }
  });
});
