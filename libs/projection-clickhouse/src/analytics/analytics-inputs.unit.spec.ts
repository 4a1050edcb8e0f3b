import {
  AnalyticsInputError,
  bucketStarts,
  bucketStart,
  growthInputSchema,
  hotBusinessesInputSchema,
  parseAnalyticsInput,
  recordsPerDayInputSchema,
} from './analytics-inputs';

describe('analytics inputs', () => {
  it('applies defaults and accepts a valid inclusive range', () => {
    expect(parseAnalyticsInput(recordsPerDayInputSchema, { from: '2026-01-01', to: '2026-01-01' })).toEqual({ from: '2026-01-01', to: '2026-01-01', limit: 1000 });
    expect(parseAnalyticsInput(hotBusinessesInputSchema, { from: '2025-01-01', to: '2026-01-01', limit: '5' })).toEqual({ from: '2025-01-01', to: '2026-01-01', by: 'events', limit: 5 });
  });

  it.each([
    [{ from: '2026-01-02', to: '2026-01-01' }, 'to'],
    [{ from: '2025-01-01', to: '2026-01-02' }, 'to'],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
    [{ from: '2026-01-01' }, 'to'],
    [{ from: "2026-01-01' OR 1=1", to: '2026-01-02' }, 'from'],
    [{ from: '2026-01-01', to: '2026-01-02', business_id: '' }, 'business_id'],
    [{ from: '2026-01-01', to: '2026-01-02', business_id: 'x'.repeat(65) }, 'business_id'],
    [{ from: '2026-01-01', to: '2026-01-02', limit: 0 }, 'limit'],
    [{ from: '2026-01-01', to: '2026-01-02', limit: 10_001 }, 'limit'],
    [{ from: '2026-01-01', to: '2026-01-02', sort: 'x' }, ''],
  ])('refuses %j naming %s', (input, field) => {
    try {
      parseAnalyticsInput(recordsPerDayInputSchema, input);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(AnalyticsInputError);
      expect((error as AnalyticsInputError).details.map((d) => d.field)).toContain(field);
    }
  });

  it('refuses unknown metrics and intervals', () => {
    expect(() => parseAnalyticsInput(hotBusinessesInputSchema, { from: '2026-01-01', to: '2026-01-02', by: 'DROP' })).toThrow(AnalyticsInputError);
    expect(() => parseAnalyticsInput(growthInputSchema, { from: '2026-01-01', to: '2026-01-02', interval: 'hour' })).toThrow(AnalyticsInputError);
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
