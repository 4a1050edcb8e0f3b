import { Serializer } from '@elastic/transport';
import { firstIdAt } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { bulkBody, bulkDocuments } from './bulk-body';
import { documentOf } from './record-document';
import { RecordsIndexNames } from './records-index-names';

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
  record_id: firstIdAt(new Date('2026-03-01T10:00:00.000Z')),
  occurred_at: '2026-03-01T10:00:00.123Z',
  command_id: 'c',
  correlation_id: 'k',
  causation_id: null,
  actor: null,
  data: {},
  ...fields,
});

describe('bulk bodies', () => {
  it('are the ndjson the client made of the same actions and documents, and reject what documentOf rejects', () => {
    const names = new RecordsIndexNames('records');
    const unknown = envelope({ event_type: 'RecordMoved' });
    const events = [
      envelope({ data: { data_content: { note: 'tab\t"quote" é 😀', n: [1, 2.5] } } }),
      unknown,
      envelope({ event_type: 'RecordDeleted', record_id: firstIdAt(new Date('2026-02-28T23:59:59.999Z')), stream_version: 3, data: {} }),
    ];
    const { documents, rejections } = bulkDocuments(events);
    expect(rejections).toEqual([{ event: unknown, reason: (documentOf(unknown) as { reason: string }).reason }]);
    expect(documents.map((d) => d.event)).toEqual([events[0], events[2]]);
    const cutoffs = [Date.parse('2026-03-01T09:00:00.000Z')];
    for (const generation of ['', 'r20260301']) {
      const operations: Array<Record<string, unknown>> = documents.flatMap(({ event }) => [
        { index: { _index: names.indexOfRecord(generation, event.record_id, cutoffs), _id: event.record_id, version: event.stream_version, version_type: 'external' } },
        (documentOf(event) as { document: unknown }).document as Record<string, unknown>,
      ]);
      expect(bulkBody(names, generation, cutoffs, documents)).toBe(new Serializer().ndserialize(operations));
    }
  });
});
