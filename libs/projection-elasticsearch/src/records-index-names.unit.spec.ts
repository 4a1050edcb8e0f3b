import { RecordsIndexNames } from './records-index-names';

describe('RecordsIndexNames segments', () => {
  const names = new RecordsIndexNames('records');
  const at = (iso: string) => new Date(iso);
  const cutoffs = ['2026-12-10T00:00:00Z', '2026-12-20T12:00:00Z', '2027-01-05T00:00:00Z'].map((c) => Date.parse(c));

  it('routes by creation time: the month index before its first cutoff, then -1, -2 …; a new month starts again', () => {
    expect(names.segmentIndex('', at('2026-12-09T23:59:59.999Z'), cutoffs)).toBe('records-2026.12');
    expect(names.segmentIndex('', at('2026-12-10T00:00:00Z'), cutoffs)).toBe('records-2026.12-1');
    expect(names.segmentIndex('', at('2026-12-31T23:59:59Z'), cutoffs)).toBe('records-2026.12-2');
    expect(names.segmentIndex('', at('2027-01-01T00:00:00Z'), cutoffs)).toBe('records-2027.01');
    expect(names.segmentIndex('r1', at('2027-01-06T00:00:00Z'), cutoffs)).toBe('records-r1-2027.01-1');
    expect(names.segmentIndex('', at('2026-12-15T00:00:00Z'))).toBe('records-2026.12');
  });

  it('recognises segment indices of a generation and reads their month', () => {
    expect(names.isIndexOf('', 'records-2026.12-2')).toBe(true);
    expect(names.isIndexOf('', 'records-r1-2026.12-2')).toBe(false);
    expect(names.monthOf('r1', 'records-r1-2026.12-2')).toBe(202612);
    expect(names.monthOf('', 'records-2025.06')).toBe(202506);
    expect(names.monthOf('', 'records_projection_state')).toBeUndefined();
  });
});
