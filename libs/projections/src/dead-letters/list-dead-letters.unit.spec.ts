import { encodeEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import type { DeadLetterKind } from '../apply/dead-letter.port';
import { InMemoryDeadLetterTopic } from '../in-memory/in-memory-dead-letter.ports';
import { listDeadLetters } from './list-dead-letters';
import { reasonPattern } from './reason-pattern';
import type { ResendEntry } from './resend-ledger.port';

const event = (record: string, version: number) =>
  ({ envelope_version: 2, event_type: 'RecordUpdated', business_id: 'acme', record_id: record, stream_version: version, data: { sealed: {} } }) as unknown as RecordEventEnvelope;

async function topicWith(letters: Array<[projection: string, value: Buffer, kind: DeadLetterKind, reason: string]>) {
  const topic = new InMemoryDeadLetterTopic();
  for (const [i, [projection, value, kind, reason]] of letters.entries()) {
    await topic.publish(projection, [{ message: { key: 'acme', value, headers: {}, position: { topic: 'records.events', partition: 1, offset: String(100 + i) } }, kind, reason }]);
  }
  return topic;
}

describe('listDeadLetters', () => {
  it('counts per projection, kind and reason pattern, lists what it can read of each event, and leaves settled letters out unless asked', async () => {
    const topic = await topicWith([
      ['elasticsearch', encodeEnvelope(event('11', 2)), 'rejected', "elasticsearch rejected the document: document_parsing_exception: [1:40] failed to parse field [data_text] in document with id '11'"],
      ['elasticsearch', encodeEnvelope(event('12', 1)), 'rejected', "elasticsearch rejected the document: document_parsing_exception: [1:77] failed to parse field [data_text] in document with id '12'"],
      ['elasticsearch', Buffer.from('{oops'), 'decode', 'message value is not JSON: Expected property name'],
      ['clickhouse', encodeEnvelope(event('13', 1)), 'rejected', 'business_id must be 1..64 characters of valid UTF-16'],
    ]);
    const resent: ResendEntry = { letter: '0:3', run: 'run1', projection: 'clickhouse', outcome: 'applied', at: '2030-01-01T00:00:00.000Z' };

    const pending = await listDeadLetters(topic, new Map([['0:3', resent]]), { filter: {}, status: 'pending', limit: 2 });
    expect(pending).toMatchObject({ scanned: 4, matched: 3, complete: true, notListed: 1 });
    expect(pending.projections).toEqual([
      expect.objectContaining({
        projection: 'elasticsearch',
        letters: 3,
        kinds: { rejected: 2, decode: 1 },
        reasons: [
          { pattern: "elasticsearch rejected the document: document_parsing_exception: […] failed to parse field [data_text] in document with id '…'", count: 2, example: expect.stringContaining("id '11'") },
          { pattern: 'message value is not JSON: Expected property name', count: 1, example: 'message value is not JSON: Expected property name' },
        ],
      }),
    ]);
    expect(pending.letters[0]).toEqual({
      id: '0:0',
      status: 'pending',
      projection: 'elasticsearch',
      kind: 'rejected',
      reason: expect.stringContaining('document_parsing_exception'),
      source: 'records.events/1@100',
      business_id: 'acme',
      record_id: '11',
      event_type: 'RecordUpdated',
      stream_version: 2,
      envelope_version: 2,
      failed_at: '2030-01-01T00:00:00.000Z',
      resend_of: null,
      resent_by: null,
    });

    const all = await listDeadLetters(topic, new Map([['0:3', resent]]), { filter: { projection: 'clickhouse' }, status: 'all', limit: 10 });
    expect(all.letters).toEqual([expect.objectContaining({ id: '0:3', status: 'applied', resent_by: 'run1', record_id: '13' })]);
    const undecodable = await listDeadLetters(topic, new Map(), { filter: { kind: 'decode' }, status: 'pending', limit: 10 });
    expect(undecodable.letters).toEqual([expect.objectContaining({ id: '0:2', record_id: null, business_id: null })]);
  });
});

describe('reasonPattern', () => {
  it.each([
    ['record_id is not a positive UInt64: "not-a-number"', 'record_id is not a positive UInt64: "…"'],
    ['stream_version out of range: 4294967296', 'stream_version out of range: N'],
    ['business_id must be 1..64 characters of valid UTF-16', 'business_id must be 1..64 characters of valid UTF-16'],
    ['sealed content of event 0b7f5c4e-94f7-4c1c-9a53-2f0f6f3c9e11 does not open', 'sealed content of event <uuid> does not open'],
  ])('%s', (reason, pattern) => expect(reasonPattern(reason)).toBe(pattern));
});
