import { bulkItemOutcome } from './bulk-outcome';
import { SnowflakeIdGenerator, timeOfId } from '@shardline/ids';
import { erasedEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { documentOf, textOf } from './record-document';
import { decodeCursor, encodeCursor } from './search/search-cursor';
import { InvalidSearchQueryError } from '@shardline/read-models';
import { RecordsIndexNames } from './records-index-names';

describe('records documents and names', () => {
  it('builds the full-text field from every string and number leaf', () => {
    expect(textOf({ a: 'Hello', b: { c: [1, 'two', { d: true, e: null }] }, f: 2.5 })).toBe('Hello\n1\ntwo\n2.5');
  });

  it('documents a move: the copy as a new live record of its new business, the source as a tombstone at its last version', () => {
    const ids = new SnowflakeIdGenerator(1);
    const [source, copy] = [ids.next(), ids.next()];
    const envelope = (fields: Partial<RecordEventEnvelope>): RecordEventEnvelope => ({
      envelope_version: 1,
      event_id: 'e',
      event_type: 'RecordCreated',
      schema_version: 1,
      stream_id: `record-${fields.record_id}`,
      stream_version: 1,
      shard: 0,
      position: '1',
      business_id: 'b',
      user_id: '7',
      record_id: source,
      occurred_at: '2026-03-01T00:00:00.000Z',
      command_id: 'c',
      correlation_id: 'k',
      causation_id: 'mv-1',
      actor: null,
      data: {},
      ...fields,
    });
    const movedIn = envelope({ event_type: 'RecordMovedIn', record_id: copy, business_id: 'to', data: { id: copy, data_content: { note: 'lamp' }, moved_from: { business_id: 'b', id: source, version: 2 } } });
    const movedOut = envelope({ event_type: 'RecordMovedOut', record_id: source, stream_version: 3, data: { id: source, moved_time: '2026-03-01T00:00:02.000Z', to: { business_id: 'to', id: copy } } });
    const created = timeOfId(copy).toISOString();
    expect(documentOf(movedIn)).toEqual({
      kind: 'document',
      document: { record_id: copy, business_id: 'to', user_id: '7', created_time: created, updated_time: created, version: 1, data_content: { note: 'lamp' }, data_text: 'lamp', deleted: false },
    });
    expect(documentOf(movedOut)).toEqual({
      kind: 'document',
      document: { record_id: source, business_id: 'b', user_id: '7', created_time: timeOfId(source).toISOString(), updated_time: '2026-03-01T00:00:02.000Z', version: 3, deleted: true },
    });
  });

  it('turns an erasure (an event whose user key is forgotten) into a tombstone at its version, without content, like a delete', () => {
    const updated = {
      envelope_version: 1,
      event_id: 'e-2',
      event_type: 'RecordUpdated',
      schema_version: 1,
      stream_id: 'record-7400000000000000000',
      stream_version: 2,
      shard: 0,
      position: '9',
      business_id: 'acme',
      user_id: '7',
      record_id: '7400000000000000000',
      occurred_at: '2026-03-04T05:06:07.890Z',
      command_id: 'c',
      correlation_id: 'corr',
      causation_id: null,
      actor: null,
      data: { id: '7400000000000000000', data_content: { secret: 'x' }, patch: { secret: 'x' }, updated_time: '2026-03-04T05:06:07.890Z' },
    } satisfies RecordEventEnvelope;
    const outcome = documentOf(erasedEnvelope(updated));
    expect(outcome).toEqual({ kind: 'document', document: expect.objectContaining({ version: 2, deleted: true, updated_time: '2026-03-04T05:06:07.890Z' }) });
    expect(JSON.stringify(outcome)).not.toContain('secret');
  });

  it('rejects a create or update whose data_content is not a JSON object (the mapping stores it unparsed, so it no longer refuses one)', () => {
    const ids = new SnowflakeIdGenerator(2);
    const event = (event_type: string, data_content: unknown): RecordEventEnvelope => {
      const record_id = ids.next();
      return {
        envelope_version: 1,
        event_id: `e-${record_id}`,
        event_type,
        schema_version: 1,
        stream_id: `record-${record_id}`,
        stream_version: 1,
        shard: 0,
        position: '1',
        business_id: 'b',
        user_id: '7',
        record_id,
        occurred_at: '2026-03-01T00:00:00.000Z',
        command_id: 'c',
        correlation_id: 'k',
        causation_id: null,
        actor: null,
        data: { id: record_id, data_content, updated_time: '2026-03-01T00:00:00.000Z' },
      };
    };
    for (const type of ['RecordCreated', 'RecordMovedIn', 'RecordUpdated']) {
      for (const content of ['not an object', 42, [1, 2]]) expect(documentOf(event(type, content))).toEqual({ kind: 'reject', reason: `data_content of a ${type} is not a JSON object` });
      expect(documentOf(event(type, { a: 'x' }))).toMatchObject({ kind: 'document', document: { data_content: { a: 'x' }, data_text: 'x' } });
    }
    // A delete carries no content to check.
    expect(documentOf(event('RecordDeleted', 'not an object'))).toMatchObject({ kind: 'document', document: { deleted: true } });
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
