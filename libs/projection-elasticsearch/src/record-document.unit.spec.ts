import { bulkItemOutcome } from './bulk-outcome';
import { textOf } from './record-document';
import { decodeCursor, encodeCursor } from './search/search-cursor';
import { InvalidSearchQueryError } from '@shardline/read-models';
import { RecordsIndexNames } from './records-index-names';

describe('records documents and names', () => {
  it('builds the full-text field from every string and number leaf', () => {
    expect(textOf({ a: 'Hello', b: { c: [1, 'two', { d: true, e: null }] }, f: 2.5 })).toBe('Hello\n1\ntwo\n2.5');
  });

  it('treats version conflicts as applied, 400 as a rejection and the rest as transient', () => {
    expect([200, 201, 409, 400, 429, 500, 503, 403, 404].map(bulkItemOutcome)).toEqual(['applied', 'applied', 'applied', 'reject', 'transient', 'transient', 'transient', 'transient', 'transient']);
  });

  it('round-trips cursors and refuses foreign ones', () => {
    const cursor = encodeCursor('created_time_desc', [1700000000000, '123']);
    expect(decodeCursor(cursor, 'created_time_desc', 2)).toEqual([1700000000000, '123']);
    expect(() => decodeCursor(cursor, 'relevance', 3)).toThrow(InvalidSearchQueryError);
    expect(() => decodeCursor('eyJ2IjoxfQ', 'created_time_desc', 2)).toThrow(InvalidSearchQueryError);
  });

  it('names monthly indices per generation and tells generations apart', () => {
    const names = new RecordsIndexNames('records');
    expect(names.monthIndex('', new Date('2025-06-30T23:59:59Z'))).toBe('records-2025.06');
    expect(names.monthIndex('r1', new Date('2025-07-01T00:00:00Z'))).toBe('records-r1-2025.07');
    expect(names.isIndexOf('', 'records-2025.06')).toBe(true);
    expect(names.isIndexOf('', 'records-r1-2025.07')).toBe(false);
    expect(names.isIndexOf('r1', 'records-r1-2025.07')).toBe(true);
  });
});
