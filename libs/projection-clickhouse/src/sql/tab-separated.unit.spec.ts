import { SqlLiteralError } from './sql-literals';
import { tabSeparated, tsvField } from './tab-separated';

/** ClickHouse's TSV unescaping (readEscapedString: \b \f \n \r \t \0 \\ \xHH, any other \c is c), written apart from the encoder. */
function unescape(field: string): string {
  const map: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\' };
  let out = '';
  for (let i = 0; i < field.length; i++) {
    if (field[i] !== '\\') out += field[i];
    else if (field[i + 1] === 'x') {
      out += String.fromCharCode(parseInt(field.slice(i + 2, i + 4), 16));
      i += 3;
    } else out += map[field[++i]] ?? field[i];
  }
  return out;
}

describe('TabSeparated rows', () => {
  it('round-trips every control character, backslashes, quotes and Unicode through ClickHouse unescaping, on one line per row', () => {
    const nasty = `a\tb\nc\r\\N\0'"\u0001\u007f é 漢 😀 {"k":"v\\\\n"}`;
    const body = tabSeparated(
      [
        { s: nasty, n: 42 },
        { s: '', n: 0 },
      ],
      ['s', 'n'],
    );
    const lines = body.split('\n');
    expect(lines).toHaveLength(3); // two rows and the final newline
    expect(lines[2]).toBe('');
    const fields = lines[0].split('\t');
    expect(fields).toHaveLength(2);
    expect(unescape(fields[0])).toBe(nasty);
    expect(fields[1]).toBe('42');
    expect(lines[1]).toBe('\t0');
  });

  it('never writes a field that reads as NULL (\\N)', () => {
    expect(tsvField('\\N')).toBe('\\\\N');
  });

  it('orders fields by the given columns, whatever the key order of the row', () => {
    expect(tabSeparated([{ b: 'B', a: 'A' }], ['a', 'b'])).toBe('A\tB\n');
  });

  it('refuses what it cannot write exactly', () => {
    expect(() => tabSeparated([{ a: 'x' }], ['a', 'b'])).toThrow(SqlLiteralError);
    expect(() => tsvField(null)).toThrow(SqlLiteralError);
    expect(() => tsvField({})).toThrow(SqlLiteralError);
    expect(() => tsvField(Number.NaN)).toThrow(SqlLiteralError);
    expect(() => tsvField('\ud800')).toThrow(SqlLiteralError);
  });
});
