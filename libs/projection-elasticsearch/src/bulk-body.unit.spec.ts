import { firstIdAt } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { bulkBody, bulkDocuments } from './bulk-body';
import { documentOf, textOf } from './record-document';
import { RecordsIndexNames } from './records-index-names';

/** An id of a record created at `iso` (plus `n`, so ids of one millisecond differ). */
const idAt = (iso: string, n = 0) => (BigInt(firstIdAt(new Date(iso))) + BigInt(n)).toString();

const envelope = (fields: Partial<RecordEventEnvelope>): RecordEventEnvelope => ({
  envelope_version: 1,
  event_id: 'e',
  event_type: 'RecordCreated',
  schema_version: 1,
  stream_id: 's',
  stream_version: 1,
  shard: 0,
  position: '1',
  business_id: 'b',
  user_id: '7',
  record_id: idAt('2026-03-01T10:00:00.000Z'),
  occurred_at: '2026-03-01T10:00:00.123Z',
  command_id: 'c',
  correlation_id: 'k',
  causation_id: null,
  actor: null,
  data: {},
  ...fields,
});

const tricky = { z: 1, '10': 'ten', '2': ['two', null, true, { 'é\u2028"\\': 1.5e-7, n: -0, big: 1e21 }], nested: { a: [], b: {} }, text: 'tab\tline\nquote"\\ 😀', nan: Number.NaN, inf: Infinity };

const events: RecordEventEnvelope[] = [
  envelope({ data: { id: '1', data_content: tricky } }),
  envelope({ event_type: 'RecordCreated', data: { id: '1' } }),
  envelope({ event_type: 'RecordMovedIn', business_id: 'to "x"', data: { data_content: { note: 'lamp' }, moved_from: { id: '9' } } }),
  envelope({ event_type: 'RecordUpdated', stream_version: 4, data: { data_content: ['a', 2], updated_time: '2026-03-02T00:00:00.000Z' } }),
  envelope({ event_type: 'RecordUpdated', stream_version: 5, data: { data_content: 'plain' } }),
  envelope({ event_type: 'RecordDeleted', stream_version: 6, data: { deleted_time: '2026-03-03T00:00:00.000Z' } }),
  envelope({ event_type: 'RecordDeleted', stream_version: 7, data: {} }),
  envelope({ event_type: 'RecordMovedOut', data: { moved_time: 12 } }),
  envelope({ event_type: 'RecordErased', data: { erased_time: null } }),
  envelope({ event_type: 'RecordErased', user_id: 'ü\u0000', data: { erased: true } }),
];

describe('bulk bodies', () => {
  it('writes each document as JSON.stringify(documentOf(event).document)', () => {
    const { documents, rejections } = bulkDocuments(events);
    expect(rejections).toEqual([]);
    expect(documents.map((d) => d.source)).toEqual(events.map((e) => JSON.stringify((documentOf(e) as { document: unknown }).document)));
  });

  it('rejects what documentOf rejects, with its reason, whatever the type is called', () => {
    for (const type of ['RecordMoved', 'toString', '__proto__', 'constructor', '']) {
      const event = envelope({ event_type: type });
      expect(bulkDocuments([event])).toEqual({ documents: [], rejections: [{ event, reason: (documentOf(event) as { reason: string }).reason }] });
    }
  });

  it('writes the actions as JSON of the index action into each record month (and rollover segment), for batches across months and cutoffs', () => {
    const names = new RecordsIndexNames('records');
    const times = ['2026-02-28T23:59:59.999Z', '2026-03-01T00:00:00.000Z', '2026-03-15T12:00:00.000Z', '2026-03-20T00:00:00.000Z', '2026-03-31T23:59:59.999Z', '2026-04-01T00:00:00.000Z', '2026-03-10T00:00:00.000Z', '2026-02-01T00:00:00.000Z'];
    const batch = times.map((t, i) => envelope({ record_id: idAt(t, i), stream_version: i + 1, data: { data_content: { i } } }));
    const { documents } = bulkDocuments(batch);
    const cutoffSets = [[], [Date.parse('2026-03-15T12:00:00.000Z')], [Date.parse('2026-03-10T00:00:00.000Z'), Date.parse('2026-03-20T00:00:00.000Z'), Date.parse('2026-04-01T00:00:00.000Z')]];
    for (const generation of ['', 'r20260301']) {
      for (const cutoffs of cutoffSets) {
        const expected = batch
          .map((e, i) => `${JSON.stringify({ index: { _index: names.indexOfRecord(generation, e.record_id, cutoffs), _id: e.record_id, version: e.stream_version, version_type: 'external' } })}\n${documents[i].source}\n`)
          .join('');
        expect(bulkBody(names, generation, cutoffs, documents)).toBe(expected);
      }
    }
  });

  it('collects the full text as the walk over Object.values did', () => {
    const walked = (value: unknown) => {
      const out: string[] = [];
      const walk = (v: unknown) => {
        if (typeof v === 'string') out.push(v);
        else if (typeof v === 'number' && Number.isFinite(v)) out.push(String(v));
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(value);
      return out.join('\n');
    };
    for (const value of [tricky, [], {}, 'x', 3, null, undefined, [[['deep', 1]], { a: { b: { c: 'd' } } }]]) expect(textOf(value)).toBe(walked(value));
  });
});
