import { minutesBefore } from '../rollup/daily-rollup';
import { firstKeptMonth, firstRawDay } from './clickhouse-retention';

describe('ClickHouse retention and rollup arithmetic', () => {
  it('keeps the current month and N before it', () => {
    expect(firstKeptMonth(new Date('2026-12-02T10:00:00Z'), 13)).toBe(202511);
    expect(firstKeptMonth(new Date('2026-01-31T23:00:00Z'), 1)).toBe(202512);
    expect(firstKeptMonth(new Date('2026-03-01T00:00:00Z'), 0)).toBe(202603);
    expect(firstRawDay(new Date('2026-12-02T10:00:00Z'), 13)).toBe('2025-11-01');
    expect(firstRawDay(new Date('2026-12-02T10:00:00Z'), 0)).toBeUndefined();
  });

  it('the sink marks the days of events before its current slot (10 minutes), each from the earliest such minute of it', () => {
    const now = new Date('2026-12-02T13:27:00Z'); // in the slot 13:20–13:30
    const at = ['2026-12-02 13:20:00', '2026-12-02 13:29:59.999', '2026-12-02 13:19:59', '2026-12-02 07:10:30', '2026-12-01 23:59:59', '2026-11-30 12:00:00', '2026-11-30 03:05:00', '2026-12-03 01:00:00'];
    expect(Object.fromEntries(minutesBefore(now, at))).toEqual({ '2026-12-02': 7 * 60 + 10, '2026-12-01': 23 * 60 + 59, '2026-11-30': 3 * 60 + 5 });
    expect(Object.fromEntries(minutesBefore(now, ['2026-12-02 13:19:59', '2026-12-02 13:25:00']))).toEqual({ '2026-12-02': 13 * 60 + 19 });
    expect(minutesBefore(now, ['2026-12-02 13:20:00', '2026-12-02 13:45:00']).size).toBe(0);
    expect(minutesBefore(new Date('2026-12-02T00:00:00Z'), ['2026-12-01 23:59:59']).get('2026-12-01')).toBe(1439);
  });
});
