import { InMemoryEventStore, type StoredEvent } from '@shardline/event-store';
import { encodeEnvelope, envelopeOf, type RecordEventEnvelope } from '@shardline/integration-events';
import { applyChunk } from '../apply/apply-chunk';
import type { DeadLetter } from '../apply/dead-letter.port';
import type { SinkRejection } from '../projection-sink.port';
import { asSourceMessage, replayEventStore } from './replay-event-store';

/** Events as the tables hand them out: data parsed from JSON, of every shape a sink meets (and two the decoder refuses). */
function storedEvents(): StoredEvent[] {
  const events: StoredEvent[] = [];
  const data: Array<Record<string, unknown>> = [
    { id: '101', business_id: 'acme', user_id: '7', data_content: { note: 'tab\there, "quotes", \\ and é 🦘', nested: { a: [1, null, true] } }, created_time: '2026-12-01T10:00:00.000Z' },
    { id: '101', business_id: 'acme', user_id: '7', patch: { note: null }, data_content: {}, updated_time: '2026-12-01T10:00:01.000Z' },
    { id: '102', business_id: 'globex', user_id: '18446744073709551615', sealed: { alg: 'x', iv: 'aa', ct: 'bb', tag: 'cc' } },
    { id: '103', user_id: '7', data_content: {} }, // no business_id: the decoder refuses the envelope
    { id: '0', business_id: 'acme', user_id: '7', data_content: {} }, // record_id 0: refused too
  ];
  data.forEach((d, i) =>
    events.push({
      shard: 0,
      position: String(i + 1),
      streamId: `record-${d.id}`,
      streamVersion: i === 1 ? 2 : 1,
      type: i === 1 ? 'RecordUpdated' : 'RecordCreated',
      schemaVersion: 1,
      data: JSON.parse(JSON.stringify(d)),
      metadata: { eventId: `e${i}`, commandId: `c${i}`, correlationId: 'k', causationId: i === 1 ? 'e0' : null, actor: i === 2 ? 'api-key:ops' : null },
      createdTime: new Date(Date.UTC(2026, 11, 1, 10, 0, i)),
    }),
  );
  return events;
}

async function applied(messages: ReturnType<typeof asSourceMessage>[]) {
  const given: RecordEventEnvelope[] = [];
  const letters: DeadLetter[] = [];
  await applyChunk(messages, {
    projection: 'p',
    apply: async (events): Promise<SinkRejection[]> => {
      given.push(...events);
      return [];
    },
    deadLetters: { publish: async (_p, l) => void letters.push(...l) },
    keys: { existingKeys: async (users) => new Map(users.map((u) => [u, null])) },
    retry: (_what, step) => step(),
  });
  return { given, letters: letters.map((l) => ({ kind: l.kind, reason: l.reason, value: l.message.value?.toString('utf8'), position: l.message.position })) };
}

describe('replaying the event store without the encode/decode round trip', () => {
  it('gives the sink exactly the envelopes, and the dead letters exactly the bytes, of the round trip through Kafka bytes', async () => {
    const events = storedEvents();
    // The round trip: the bytes the relay publishes, decoded by the consumers' decoder.
    const roundTrip = await applied(events.map((e) => ({ ...asSourceMessage(e), value: encodeEnvelope(envelopeOf(e)), envelope: undefined })));
    const direct = await applied(events.map(asSourceMessage));
    expect(direct).toEqual(roundTrip);
    expect(roundTrip.given).toHaveLength(3);
    expect(roundTrip.letters.map((l) => l.kind)).toEqual(['decode', 'decode']);
    // And byte for byte: what a sink serialises from them is the same text.
    expect(direct.given.map((e) => JSON.stringify(e))).toEqual(roundTrip.given.map((e) => JSON.stringify(e)));
  });

  it('encodes the bytes of an accepted event only when something reads them', () => {
    const [event] = storedEvents();
    const message = asSourceMessage(event);
    expect(message.envelope).toEqual(envelopeOf(event));
    expect(message.value).toEqual(encodeEnvelope(envelopeOf(event)));
  });

  it('replays the same way through replayEventStore', async () => {
    const store = new InMemoryEventStore<unknown>(1);
    for (const [i, e] of storedEvents().slice(0, 1).entries()) {
      await store.append({ shard: 0, writes: [{ streamId: e.streamId, partitionMonth: 202612, expectedVersion: i, partitionKey: 'acme', state: null, events: [{ type: e.type, schemaVersion: 1, data: e.data, metadata: e.metadata }] }] });
    }
    const given: RecordEventEnvelope[] = [];
    const sink = { name: 'p', prepare: async () => {}, apply: async (events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> => {
        given.push(...events);
        return [];
      },
    };
    const totals = await replayEventStore({ reader: store, shards: [0], batchSize: 10, concurrency: 1, retry: { initialMs: 1, maxMs: 1 }, maxAttempts: 1, log: () => {} }, sink as never, { publish: async () => {} });
    expect(totals).toEqual({ events: 1, rejected: 0 });
    const [stored] = await store.readEventsAfter(0, '0', 1);
    expect(given).toEqual([JSON.parse(encodeEnvelope(envelopeOf(stored)).toString('utf8'))]);
  });
});
