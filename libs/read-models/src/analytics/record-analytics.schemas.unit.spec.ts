import { isShardlineError, validate } from '@shardline/errors';
import { activeUsersQuerySchema, growthQuerySchema, hotBusinessesQuerySchema, recordsPerDayQuerySchema } from './record-analytics.schemas';
import { bucketStart, bucketStarts, isUtcDay } from './utc-days';

describe('analytics query schemas', () => {
  it('applies defaults, coerces query-string numbers and accepts a valid inclusive range', () => {
    expect(validate(recordsPerDayQuerySchema, { from: '2026-01-01', to: '2026-01-01' })).toEqual({ from: '2026-01-01', to: '2026-01-01', limit: 1000 });
    expect(validate(hotBusinessesQuerySchema, { from: '2025-01-01', to: '2026-01-01', limit: '5' })).toEqual({ from: '2025-01-01', to: '2026-01-01', by: 'events', limit: 5 });
    expect(validate(activeUsersQuerySchema, { from: '2026-01-01', to: '2026-01-02' })).toEqual({ from: '2026-01-01', to: '2026-01-02', total: 'estimate' });
    expect(validate(activeUsersQuerySchema, { from: '2026-01-01', to: '2026-01-02', total: 'exact' })).toMatchObject({ total: 'exact' });
  });

  it.each([
    [{ from: '2026-01-02', to: '2026-01-01' }, 'to'],
    [{ from: '2025-01-01', to: '2026-01-02' }, 'to'],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
    [{ from: '1969-12-31', to: '1970-01-01' }, 'from'],
    [{ from: '2026-01-01' }, 'to'],
    [{ from: "2026-01-01' OR 1=1", to: '2026-01-02' }, 'from'],
    [{ from: '2026-01-01', to: '2026-01-02', business_id: '' }, 'business_id'],
    [{ from: '2026-01-01', to: '2026-01-02', business_id: 'x'.repeat(65) }, 'business_id'],
    [{ from: '2026-01-01', to: '2026-01-02', limit: 0 }, 'limit'],
    [{ from: '2026-01-01', to: '2026-01-02', limit: 10_001 }, 'limit'],
    [{ from: '2026-01-01', to: '2026-01-02', sort: 'x' }, 'sort'],
  ])('refuses %j naming %s', (input, field) => {
    try {
      validate(recordsPerDayQuerySchema, input);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(isShardlineError(error) && error).toMatchObject({ kind: 'validation', code: 'VALIDATION_FAILED' });
      expect((error as { details: Array<{ field: string }> }).details.map((d) => d.field)).toContain(field);
    }
  });

  it('refuses unknown metrics and intervals', () => {
    expect(() => validate(hotBusinessesQuerySchema, { from: '2026-01-01', to: '2026-01-02', by: 'DROP' })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'by' })] }));
    expect(() => validate(growthQuerySchema, { from: '2026-01-01', to: '2026-01-02', interval: 'hour' })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'interval' })] }));
    expect(() => validate(activeUsersQuerySchema, { from: '2026-01-01', to: '2026-01-02', total: 'approximate' })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'total' })] }));
  });
});

describe('UTC days', () => {
  it('accepts real calendar days within the range analytics can hold', () => {
    expect(['2026-02-28', '2024-02-29', '1970-01-01', '2105-12-31'].map(isUtcDay)).toEqual([true, true, true, true]);
    expect(['2026-02-29', '2026-13-01', '1969-12-31', '2106-01-01', '2026-1-01', ''].map(isUtcDay)).toEqual([false, false, false, false, false, false]);
  });

  it('computes bucket starts like toMonday / toStartOfMonth', () => {
    expect(bucketStart('2026-01-07', 'week')).toBe('2026-01-05');
    expect(bucketStart('2026-01-05', 'week')).toBe('2026-01-05');
    expect(bucketStart('2026-01-04', 'week')).toBe('2025-12-29');
    expect(bucketStart('2026-03-31', 'month')).toBe('2026-03-01');
    expect(bucketStarts('2025-12-30', '2026-02-01', 'month')).toEqual(['2025-12-01', '2026-01-01', '2026-02-01']);
    expect(bucketStarts('2026-01-01', '2026-01-14', 'week')).toEqual(['2025-12-29', '2026-01-05', '2026-01-12']);
    expect(bucketStarts('2026-02-27', '2026-03-01', 'day')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
