import { daysBefore } from '../rollup/daily-rollup';
import { firstKeptMonth, firstRawDay } from './clickhouse-retention';

describe('ClickHouse retention and rollup arithmetic', () => {
  it('keeps the current month and N before it', () => {
    expect(firstKeptMonth(new Date('2026-12-02T10:00:00Z'), 13)).toBe(202511);
    expect(firstKeptMonth(new Date('2026-01-31T23:00:00Z'), 1)).toBe(202512);
    expect(firstKeptMonth(new Date('2026-03-01T00:00:00Z'), 0)).toBe(202603);
    expect(firstRawDay(new Date('2026-12-02T10:00:00Z'), 13)).toBe('2025-11-01');
    expect(firstRawDay(new Date('2026-12-02T10:00:00Z'), 0)).toBeUndefined();
  });

  it('the sink marks the days of events before its today only', () => {
    expect([...daysBefore('2026-12-02', ['2026-12-02 00:00:01', '2026-12-01 23:59:59', '2026-11-30 12:00:00', '2026-12-01 00:00:00'])].sort()).toEqual(['2026-11-30', '2026-12-01']);
  });
});
