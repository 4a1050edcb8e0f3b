import { Registry } from 'prom-client';
import { UnavailableError } from '@shardline/errors';
import type { StoredEvent } from '@shardline/event-store';
import { envelopeOf, openEnvelope } from '@shardline/integration-events';
import { InMemoryUserKeys } from '@shardline/user-keys';
import { InMemoryLeaseBoard, InMemoryOutbox, InMemoryPublisher } from './in-memory/in-memory-relay.ports';
import { RelayMetrics } from './relay.metrics';
import { SealingEventPublisher } from './sealing-event.publisher';
import { DEFAULT_SHARD_RELAY_OPTIONS, ShardRelay } from './shard-relay.runner';

const MARKER = 'quokka-secret-91';
let position = 0;
function event(userId: string, version = 1): StoredEvent {
  position += 1;
  return {
    shard: 0,
    position: String(position),
    streamId: `record-${position}`,
    streamVersion: version,
    type: 'RecordCreated',
    schemaVersion: 1,
    data: { id: String(5000 + position), business_id: 'acme', user_id: userId, data_content: { note: MARKER } },
    metadata: { eventId: `e-${position}`, commandId: `c-${position}`, correlationId: 'corr', causationId: null, actor: null },
    createdTime: new Date('2026-01-02T03:04:05.678Z'),
  };
}

function setup() {
  const keys = new InMemoryUserKeys();
  const outbox = new InMemoryOutbox(0);
  const sent = new InMemoryPublisher();
  const relay = new ShardRelay(outbox, new InMemoryLeaseBoard().lease(0, 'me'), new SealingEventPublisher(sent, keys), new RelayMetrics(new Registry()), {
    ...DEFAULT_SHARD_RELAY_OPTIONS,
    batchSize: 10,
  });
  return { keys, outbox, sent, relay };
}

describe('SealingEventPublisher (the relay seals before publishing)', () => {
  it('publishes every envelope sealed (version 2, no content in clear), with the keys of the batch in one lookup', async () => {
    const { keys, outbox, sent, relay } = setup();
    const stored = [event('1'), event('2'), event('1'), event('3')];
    for (const e of stored) outbox.add(e);
    const lookup = jest.spyOn(keys, 'keysFor');
    await relay.runOnce();
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup.mock.calls[0][0]).toEqual(['1', '2', '3']);
    expect(sent.published.map((e) => e.envelope_version)).toEqual([2, 2, 2, 2]);
    expect(JSON.stringify(sent.published)).not.toContain(MARKER);
    const userKeys = await keys.existingKeys(['1', '2', '3']);
    expect(sent.published.map((e) => openEnvelope(e, userKeys.get(e.user_id)!))).toEqual(stored.map(envelopeOf));
    expect(outbox.ids()).toEqual([]);
  });

  it('publishes the events of an erased user as RecordErased, without creating a key for them', async () => {
    const { keys, outbox, sent, relay } = setup();
    await keys.forget('9');
    outbox.add(event('9'));
    outbox.add(event('8'));
    await relay.runOnce();
    expect(sent.published[0]).toMatchObject({ envelope_version: 1, event_type: 'RecordErased', data: { erased: true, user_id: '9' } });
    expect(sent.published[1]).toMatchObject({ envelope_version: 2, user_id: '8' });
    expect(JSON.stringify(sent.published)).not.toContain(MARKER);
    expect((await keys.existingKeys(['9'])).get('9')).toBeNull();
  });

  it('keeps the rows and backs off when the keys cannot be had (control database down), like a broker failure', async () => {
    const { keys, outbox, sent, relay } = setup();
    outbox.add(event('1'));
    jest.spyOn(keys, 'keysFor').mockRejectedValueOnce(new UnavailableError('USER_KEYS.UNAVAILABLE', 'control database down'));
    expect(await relay.runOnce()).toBeGreaterThan(0);
    expect(sent.attempts).toBe(0);
    expect(outbox.ids()).toEqual(['1']);
    expect(relay.status()).toMatchObject({ publishErrors: 1, lastError: expect.stringContaining('control database down') });
    expect(await relay.runOnce()).toBe(0);
    expect(sent.published).toHaveLength(1);
  });
});
