import { erasedEnvelope } from '@shardline/integration-events';
import { EnvelopeFactory } from '../testing/clickhouse-test-database';
import { clickHouseDateTime, mapBatch } from './event-rows';

describe('mapBatch', () => {
  const f = new EnvelopeFactory();
  const id = f.recordId(new Date('2026-02-03T04:05:06.789Z'));
  const created = f.event({ type: 'RecordCreated', recordId: id, businessId: 'b', userId: '18446744073709551615', version: 1, at: '2026-02-10T01:02:03.456Z', dataContent: { a: 1 } });
  const updated = f.event({ type: 'RecordUpdated', recordId: id, businessId: 'b', version: 2, at: '2026-02-11T00:00:00Z', dataContent: { a: 2 } });
  const deleted = f.event({ type: 'RecordDeleted', recordId: id, businessId: 'b', version: 3, at: '2026-02-12T00:00:00Z' });

  it('maps every event to a raw row with DateTime text in UTC and 64-bit ids as strings', () => {
    const { events, rejected } = mapBatch([created]);
    expect(rejected).toEqual([]);
    expect(events[0]).toMatchObject({
      business_id: 'b',
      occurred_at: '2026-02-10 01:02:03',
      stream_id: `record-${id}`,
      stream_version: 1,
      event_type: 'RecordCreated',
      record_id: id,
      user_id: '18446744073709551615',
      causation_id: '',
      data: JSON.stringify(created.data),
    });
  });

  it('keeps one latest row per record, the highest version, whatever the order in the batch', () => {
    const { events, latest } = mapBatch([updated, deleted, created, updated]);
    expect(events).toHaveLength(4);
    expect(latest).toEqual([
      { business_id: 'b', record_id: id, user_id: '1', version: 3, deleted: 1, created_at: '2026-02-03 04:05:06', updated_at: '2026-02-12 00:00:00', data: '' },
    ]);
    expect(mapBatch([created, updated]).latest[0]).toMatchObject({ version: 2, deleted: 0, data: '{"a":2}' });
  });

  it('maps an erasure (an event whose user key is forgotten) like a delete: a tombstone at its version, no content anywhere', () => {
    const erased = erasedEnvelope(updated);
    const { events, latest, rejected } = mapBatch([created, erased]);
    expect(rejected).toEqual([]);
    expect(events[1]).toMatchObject({ event_type: 'RecordErased', stream_version: 2, data: JSON.stringify({ id, business_id: 'b', user_id: '1', erased: true }) });
    expect(latest).toEqual([expect.objectContaining({ version: 2, deleted: 1, data: '' })]);
  });

  it('takes the creation time from the Snowflake id so every version shares a partition', () => {
    for (const e of [created, updated, deleted]) expect(mapBatch([e]).latest[0].created_at).toBe('2026-02-03 04:05:06');
  });

  it.each([
    ['unknown type', { event_type: 'RecordMoved' }, 'unknown event type'],
    ['empty business', { business_id: '' }, 'business_id'],
    ['lone surrogate', { business_id: 'a\ud800' }, 'business_id'],
    ['version 0', { stream_version: 0 }, 'stream_version'],
    ['version beyond UInt32', { stream_version: 2 ** 32 }, 'stream_version'],
    ['fractional version', { stream_version: 1.5 }, 'stream_version'],
    ['record id 0', { record_id: '0' }, 'record_id'],
    ['record id beyond UInt64', { record_id: '18446744073709551616' }, 'record_id'],
    ['record id not decimal', { record_id: '12a' }, 'record_id'],
    ['user id negative', { user_id: '-1' }, 'user_id'],
    ['position as number', { position: 5 }, 'position'],
    ['time before 1970', { occurred_at: '1969-12-31T23:59:59Z' }, 'occurred_at'],
    ['time after 2105', { occurred_at: '2106-01-01T00:00:00Z' }, 'occurred_at'],
    ['time not a time', { occurred_at: 'yesterday' }, 'occurred_at'],
    ['data not an object', { data: [] }, 'data'],
    ['created without content', { data: { id } }, 'data_content'],
    ['overlong actor', { actor: 'x'.repeat(256) }, 'actor'],
  ])('rejects %s with its reason and keeps the rest', (_, change, reason) => {
    const bad = { ...created, ...change } as typeof created;
    const { events, rejected } = mapBatch([bad, updated]);
    expect(rejected).toEqual([{ event: bad, reason: expect.stringContaining(reason) }]);
    expect(events.map((e) => e.stream_version)).toEqual([2]);
  });

  it('accepts a delete without data_content', () => {
    expect(mapBatch([deleted]).rejected).toEqual([]);
  });

  it('maps a move: the copy is a live record of its new business, the source ends like a deletion', () => {
    const copyId = f.recordId(new Date('2026-03-01T00:00:00.000Z'));
    const movedIn = f.event({ type: 'RecordMovedIn', recordId: copyId, businessId: 'to', version: 1, at: '2026-03-01T00:00:01Z', dataContent: { a: 2 } });
    const movedOut = f.event({ type: 'RecordMovedOut', recordId: id, businessId: 'b', version: 3, at: '2026-03-01T00:00:02Z' });
    const { events, latest, rejected } = mapBatch([created, updated, movedOut, movedIn]);
    expect(rejected).toEqual([]);
    expect(events.map((e) => e.event_type)).toEqual(['RecordCreated', 'RecordUpdated', 'RecordMovedOut', 'RecordMovedIn']);
    expect(latest).toEqual([
      { business_id: 'b', record_id: id, user_id: '1', version: 3, deleted: 1, created_at: '2026-02-03 04:05:06', updated_at: '2026-03-01 00:00:02', data: '' },
      { business_id: 'to', record_id: copyId, user_id: '1', version: 1, deleted: 0, created_at: '2026-03-01 00:00:00', updated_at: '2026-03-01 00:00:01', data: '{"a":2}' },
    ]);
    expect(mapBatch([{ ...movedIn, data: { id: copyId } }]).rejected).toEqual([{ event: expect.anything(), reason: 'RecordMovedIn without a data_content object' }]);
  });

  it('formats DateTime text in UTC', () => {
    expect(clickHouseDateTime(Date.UTC(2026, 0, 2, 3, 4, 5, 999))).toBe('2026-01-02 03:04:05');
  });

  it('formats consecutive times of the same second and of other seconds alike (the last second is remembered)', () => {
    const times = [Date.UTC(2026, 0, 2, 3, 4, 5, 1), Date.UTC(2026, 0, 2, 3, 4, 5, 999), Date.UTC(2026, 0, 2, 3, 4, 6), Date.UTC(1970, 0, 1), Date.UTC(2026, 0, 2, 3, 4, 5, 500)];
    expect(times.map(clickHouseDateTime)).toEqual(['2026-01-02 03:04:05', '2026-01-02 03:04:05', '2026-01-02 03:04:06', '1970-01-01 00:00:00', '2026-01-02 03:04:05']);
  });

  it('writes occurred_at as Date.parse would have it, whatever its form, and rejects the times outside 1970..2105 as before', () => {
    const viaDate = (at: string) => {
      const iso = new Date(Date.parse(at)).toISOString();
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    };
    const accepted = ['2026-02-10T01:02:03.456Z', '1970-01-01T00:00:00.000Z', '2104-12-31T23:59:59.999Z', '2105-12-31T23:59:59.000Z', '2024-02-29T12:00:00.000Z', '2026-02-10T01:02:03Z', '2026-02-10T03:02:03.456+02:00', '2026-02-10T01:02:03.4Z'];
    for (const at of accepted) {
      const { events, rejected } = mapBatch([{ ...created, occurred_at: at }]);
      expect({ at, rejected }).toEqual({ at, rejected: [] });
      expect({ at, text: events[0].occurred_at }).toEqual({ at, text: viaDate(at) });
    }
    for (const at of ['2105-12-31T23:59:59.001Z', '2106-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2026-13-01T00:00:00.000Z']) {
      expect({ at, rejected: mapBatch([{ ...created, occurred_at: at }]).rejected.length }).toEqual({ at, rejected: 1 });
    }
  });

  it('stores data as JSON.stringify(data) and the latest data as JSON.stringify(data_content), key for key', () => {
    const tricky = { z: 1, '10': 'ten', '2': ['two', null, { 'é\u2028"': 1.5e-7 }], __proto__x: true, nested: { a: [], b: {} }, text: 'tab\tline\nquote"\\' };
    for (const data of [
      { id, data_content: tricky },
      { data_content: tricky, id, business_id: 'b', user_id: '1', extra: [1, 'x'] },
      { '5': 'first', id, data_content: {}, ignored: undefined },
    ]) {
      const event = { ...created, data } as typeof created;
      const { events, latest, rejected } = mapBatch([event]);
      expect(rejected).toEqual([]);
      expect(events[0].data).toBe(JSON.stringify(data));
      expect(latest[0].data).toBe(JSON.stringify(data.data_content));
    }
  });

  it('rejects an id beyond UInt64 only by its value, whatever its length', () => {
    expect(mapBatch([{ ...created, user_id: '18446744073709551615' }]).rejected).toEqual([]);
    expect(mapBatch([{ ...created, user_id: '18446744073709551616' }]).rejected).toHaveLength(1);
    expect(mapBatch([{ ...created, user_id: '9999999999999999999' }]).rejected).toEqual([]);
    expect(mapBatch([{ ...created, user_id: '99999999999999999999' }]).rejected).toHaveLength(1);
  });
});
