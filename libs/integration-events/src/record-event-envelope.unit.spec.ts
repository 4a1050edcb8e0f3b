import { decodeEnvelope, EnvelopeDecodeError, envelopeFastPath, isCalendarTime, recordEventEnvelopeSchema, type RecordEventEnvelope } from './record-event-envelope';

const valid: RecordEventEnvelope = {
  envelope_version: 1,
  event_id: 'e-1',
  event_type: 'RecordCreated',
  schema_version: 1,
  stream_id: 'rec-1',
  stream_version: 3,
  shard: 0,
  position: '42',
  business_id: 'acme',
  user_id: '7',
  record_id: '1001',
  occurred_at: '2026-01-02T03:04:05.678Z',
  command_id: 'c-1',
  correlation_id: 'corr',
  causation_id: null,
  actor: 'svc',
  data: { id: '1001', data_content: { a: 1 } },
};

/** Variants at and beyond each field's limits; the fast path must never accept one the schema rejects. */
const variants: Array<[string, Record<string, unknown>]> = [
  ['valid', {}],
  ['extra field', { extra: 1 }],
  ['version 2', { envelope_version: 2 }],
  ['version 3', { envelope_version: 3 }],
  ['version as string', { envelope_version: '1' }],
  ['empty event id', { event_id: '' }],
  ['long event id', { event_id: 'x'.repeat(65) }],
  ['64-char event id', { event_id: 'x'.repeat(64) }],
  ['float schema version', { schema_version: 1.5 }],
  ['schema version 0', { schema_version: 0 }],
  ['stream version as string', { stream_version: '3' }],
  ['unsafe stream version', { stream_version: 2 ** 60 }],
  ['negative shard', { shard: -1 }],
  ['position 0', { position: '0' }],
  ['position with leading zero', { position: '042' }],
  ['20-digit position', { position: '1'.repeat(20) }],
  ['user id number', { user_id: 7 }],
  ['no record id', { record_id: undefined }],
  ['occurred_at without millis', { occurred_at: '2026-01-02T03:04:05Z' }],
  ['occurred_at with offset', { occurred_at: '2026-01-02T03:04:05.678+01:00' }],
  ['occurred_at 31 February', { occurred_at: '2026-02-31T03:04:05.678Z' }],
  ['occurred_at hour 24', { occurred_at: '2026-01-02T24:04:05.678Z' }],
  ['occurred_at leap day', { occurred_at: '2024-02-29T00:00:00.000Z' }],
  ['occurred_at not a date', { occurred_at: 'yesterday' }],
  ['missing causation id', { causation_id: undefined }],
  ['empty actor', { actor: '' }],
  ['long actor', { actor: 'a'.repeat(256) }],
  ['empty correlation id', { correlation_id: '' }],
  ['data array', { data: [] }],
  ['data null', { data: null }],
  ['data string', { data: 'x' }],
  ['business id lone surrogate', { business_id: '\ud800' }],
];

describe('decodeEnvelope fast path', () => {
  it.each(variants)('agrees with the schema: %s', (_, change) => {
    const json = JSON.parse(JSON.stringify({ ...valid, ...change }));
    const schema = recordEventEnvelopeSchema.safeParse(json);
    const fast = envelopeFastPath(json);
    if (fast) {
      expect(schema.success).toBe(true);
      expect(fast).toEqual(schema.data);
    }
    if (schema.success) expect(decodeEnvelope(JSON.stringify(json))).toEqual(schema.data);
    else expect(() => decodeEnvelope(JSON.stringify(json))).toThrow(EnvelopeDecodeError);
  });

  it('takes the fast path for what the relay writes, and keeps only the known fields', () => {
    expect(envelopeFastPath(JSON.parse(JSON.stringify({ ...valid, extra: true })))).toEqual(valid);
  });
});

describe('isCalendarTime', () => {
  /** What the fast path checked before: Date.parse then toISOString gives the same string back. */
  const roundTrips = (v: string) => {
    const ms = Date.parse(v);
    return !Number.isNaN(ms) && new Date(ms).toISOString() === v;
  };

  it('accepts exactly the times that survive the Date round trip (every month, day, hour, minute and second edge of leap and common years)', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    let compared = 0;
    for (const year of [0, 1, 4, 100, 400, 1900, 1970, 2000, 2023, 2024, 2026, 2100, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          for (const [hour, minute, second] of [[0, 0, 0], [23, 59, 59], [24, 0, 0], [23, 60, 0], [23, 59, 60], [12, 30, 45]]) {
            const v = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad((day * 37) % 1000, 3)}Z`;
            expect([v, isCalendarTime(v)]).toEqual([v, roundTrips(v)]);
            compared += 1;
          }
        }
      }
    }
    expect(compared).toBe(13 * 14 * 33 * 6);
  });
});
