import { randomBytes } from 'node:crypto';
import { encodeEnvelope, RECORD_ERASED, sealEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { InMemoryUserKeys } from '@shardline/user-keys';
import { GAVE_UP } from '@shardline/worker';
import { testEnvelope } from '../in-memory/in-memory-projection.ports';
import { applyChunk, type AppliedChunk, type ChunkPorts } from './apply-chunk';
import type { DeadLetter } from './dead-letter.port';
import { DecodedEnvelopeCache, type DecodedEnvelopeCacheOptions } from './decoded-envelope-cache';
import type { EnvelopeKeys } from './envelope-keys.port';
import type { SourceMessage } from './source-message';

/** One consumer group of the projector: applyChunk into a sink that records what it was given. */
function group(keys: EnvelopeKeys, cache: DecodedEnvelopeCache | undefined) {
  const applied: RecordEventEnvelope[] = [];
  const deadLetters: DeadLetter[] = [];
  const ports: ChunkPorts = {
    projection: 'memory',
    keys,
    cache,
    apply: async (events) => {
      applied.push(...events);
      return [];
    },
    deadLetters: { publish: async (_projection, letters) => void deadLetters.push(...letters) },
    retry: (_what, step) => step(),
  };
  return {
    applied,
    deadLetters,
    async consume(messages: SourceMessage[]): Promise<AppliedChunk> {
      const done = await applyChunk(messages, ports);
      if (done === GAVE_UP) throw new Error('gave up');
      return done;
    },
  };
}

function messagesOf(values: Buffer[], topic = 'events', partition = 0): SourceMessage[] {
  return values.map((value, offset) => ({ key: null, value, headers: {}, position: { topic, partition, offset: String(offset) } }));
}

const options = (change: Partial<DecodedEnvelopeCacheOptions> = {}): DecodedEnvelopeCacheOptions => ({ maxEntries: 100, maxBytes: 1024 * 1024, consumers: 2, ...change });

async function sealedEvents(keys: InMemoryUserKeys, count: number, user = '7') {
  const key = (await keys.keysFor([user])).get(user)!;
  const plain = Array.from({ length: count }, (_, i) => testEnvelope(i + 1, { user_id: user, data: { id: String(1001 + i), data_content: { secret: `content ${i + 1}` } } }));
  return { plain, values: plain.map((e) => encodeEnvelope(sealEnvelope(e, key))) };
}

describe('DecodedEnvelopeCache (two consumer groups of one process)', () => {
  it('decodes and opens each message once: the second group gets the same opened events, and the entries are dropped once it used them', async () => {
    const keys = new InMemoryUserKeys();
    const { plain, values } = await sealedEvents(keys, 3);
    const cache = new DecodedEnvelopeCache(options());
    const [es, ch] = [group(keys, cache), group(keys, cache)];
    await es.consume(messagesOf(values));
    expect(cache.size).toBe(3);
    await ch.consume(messagesOf(values));
    expect(es.applied).toEqual(plain);
    expect(ch.applied).toEqual(plain);
    expect(cache.stats).toEqual({ decodeHits: 3, decodeMisses: 3, openHits: 3, openMisses: 3 });
    expect(cache.size).toBe(0);
    expect(cache.heldBytes).toBe(0);
  });

  it('never serves opened content once the key lookup says the user was erased: the second group applies RecordErased', async () => {
    const keys = new InMemoryUserKeys();
    const { plain, values } = await sealedEvents(keys, 2);
    const cache = new DecodedEnvelopeCache(options());
    const [es, ch] = [group(keys, cache), group(keys, cache)];
    await es.consume(messagesOf(values));
    expect(es.applied).toEqual(plain);
    await keys.forget('7');
    await ch.consume(messagesOf(values));
    expect(ch.applied.map((e) => e.event_type)).toEqual([RECORD_ERASED, RECORD_ERASED]);
    expect(JSON.stringify(ch.applied)).not.toContain('content');
    expect(cache.stats.openHits).toBe(0);
    // The decode (still sealed: no content) was shared; the opened content was not, and is not kept.
    expect(cache.stats.decodeHits).toBe(2);
    const [sealed] = messagesOf(values).map((m) => cache.decode(m));
    expect(cache.openedWith(sealed, Buffer.alloc(32))).toBeUndefined();
  });

  it('serves opened content only for the very key found now: another key answered for the user opens afresh (and does not open)', async () => {
    const keys = new InMemoryUserKeys();
    const { values } = await sealedEvents(keys, 1);
    const cache = new DecodedEnvelopeCache(options());
    await group(keys, cache).consume(messagesOf(values));
    const otherKey: EnvelopeKeys = { existingKeys: async (ids) => new Map(ids.map((id) => [id, randomBytes(32)])) };
    const other = group(otherKey, cache);
    await other.consume(messagesOf(values));
    expect(other.applied).toEqual([]);
    expect(other.deadLetters).toMatchObject([{ kind: 'decode', reason: expect.stringMatching(/does not open/) }]);
    expect(cache.stats.openHits).toBe(0);
  });

  it('is keyed by position AND bytes: other bytes at the same offset (a re-created topic) are decoded as what they are', async () => {
    const keys = new InMemoryUserKeys();
    const first = await sealedEvents(keys, 2, '7');
    const second = await sealedEvents(keys, 2, '8');
    const cache = new DecodedEnvelopeCache(options());
    await group(keys, cache).consume(messagesOf(first.values));
    const ch = group(keys, cache);
    await ch.consume(messagesOf(second.values));
    expect(ch.applied).toEqual(second.plain);
    expect(cache.stats.decodeHits).toBe(0);
    // Nor does another partition or topic at the same offset hit.
    const other = group(keys, cache);
    await other.consume(messagesOf(second.values, 'events', 1));
    await other.consume(messagesOf(second.values, 'other-events', 0));
    expect(cache.stats.decodeHits).toBe(0);
  });

  it('is bounded by entries: the oldest go first, and the group behind decodes those itself', async () => {
    const keys = new InMemoryUserKeys();
    const { plain, values } = await sealedEvents(keys, 5);
    const cache = new DecodedEnvelopeCache(options({ maxEntries: 2 }));
    await group(keys, cache).consume(messagesOf(values));
    expect(cache.size).toBe(2);
    const ch = group(keys, cache);
    await ch.consume(messagesOf(values).slice(3));
    expect(cache.stats.decodeHits).toBe(2);
    await ch.consume(messagesOf(values).slice(0, 3));
    expect(cache.stats.decodeHits).toBe(2);
    expect(ch.applied).toEqual([...plain.slice(3), ...plain.slice(0, 3)]);
  });

  it('is bounded by bytes', async () => {
    const keys = new InMemoryUserKeys();
    const { plain, values } = await sealedEvents(keys, 5);
    const cache = new DecodedEnvelopeCache(options({ maxBytes: values[0].length * 3 }));
    await group(keys, cache).consume(messagesOf(values));
    expect(cache.size).toBe(3);
    expect(cache.heldBytes).toBeLessThanOrEqual(values[0].length * 3);
    const ch = group(keys, cache);
    await ch.consume(messagesOf(values).slice(2));
    expect(ch.applied).toEqual(plain.slice(2));
    expect(cache.stats.decodeHits).toBe(3);
  });

  it('a redelivery to the same group (rebalance, retry) is served like any other consumer, and the events stay right', async () => {
    const keys = new InMemoryUserKeys();
    const { plain, values } = await sealedEvents(keys, 2);
    const cache = new DecodedEnvelopeCache(options({ consumers: 3 }));
    const es = group(keys, cache);
    await es.consume(messagesOf(values));
    await es.consume(messagesOf(values));
    const ch = group(keys, cache);
    await ch.consume(messagesOf(values));
    expect(es.applied).toEqual([...plain, ...plain]);
    expect(ch.applied).toEqual(plain);
    expect(cache.stats.decodeHits).toBe(4);
    expect(cache.size).toBe(0);
  });

  it('caches no poison: an undecodable message is dead-lettered by every group', async () => {
    const keys = new InMemoryUserKeys();
    const cache = new DecodedEnvelopeCache(options());
    const poison = Buffer.from('{"envelope_version": 1, oops');
    const [es, ch] = [group(keys, cache), group(keys, cache)];
    await es.consume(messagesOf([poison]));
    await ch.consume(messagesOf([poison]));
    expect([es.deadLetters.length, ch.deadLetters.length]).toEqual([1, 1]);
    expect(cache.size).toBe(0);
  });

  it('keeps nothing when it is off (0 entries) or alone (one consumer group)', async () => {
    const keys = new InMemoryUserKeys();
    const { plain, values } = await sealedEvents(keys, 2);
    for (const cache of [new DecodedEnvelopeCache(options({ maxEntries: 0 })), new DecodedEnvelopeCache(options({ consumers: 1 }))]) {
      const [es, ch] = [group(keys, cache), group(keys, cache)];
      await es.consume(messagesOf(values));
      await ch.consume(messagesOf(values));
      expect(ch.applied).toEqual(plain);
      expect(cache.size).toBe(0);
      expect(cache.stats.decodeHits + cache.stats.openHits).toBe(0);
    }
  });

  it.each([
    [250, 3000],
    // The group behind misses what was pushed out, and its misses push out nothing it needs next.
    [150, 1550],
  ])('stays bounded at %i entries while the groups churn through many messages, one chunk apart (%i hits of 3,000)', async (maxEntries, hits) => {
    const keys = new InMemoryUserKeys();
    const plain = Array.from({ length: 3000 }, (_, i) => testEnvelope(i + 1));
    const messages = messagesOf(plain.map((e) => encodeEnvelope(e)));
    const cache = new DecodedEnvelopeCache(options({ maxEntries }));
    const [es, ch] = [group(keys, cache), group(keys, cache)];
    for (let i = 0; i < messages.length; i += 100) {
      await es.consume(messages.slice(i, i + 100));
      if (i >= 100) await ch.consume(messages.slice(i - 100, i));
      expect(cache.size).toBeLessThanOrEqual(maxEntries);
    }
    await ch.consume(messages.slice(-100));
    expect(ch.applied).toEqual(plain);
    expect(cache.stats.decodeHits).toBe(hits);
    expect(cache.size).toBe(0);
  });

  it('keeps an entry no longer than maxAgeMs (a stalled group on a quiet topic): swept, the group behind decodes for itself', async () => {
    const keys = new InMemoryUserKeys();
    const { plain, values } = await sealedEvents(keys, 3);
    let clock = 0;
    const cache = new DecodedEnvelopeCache(options({ maxAgeMs: 30_000 }), () => clock);
    await group(keys, cache).consume(messagesOf(values).slice(0, 2));
    clock = 20_000;
    await group(keys, cache).consume(messagesOf(values).slice(2));
    cache.sweep();
    expect(cache.size).toBe(3);
    clock = 30_000;
    cache.sweep();
    expect(cache.size).toBe(1);
    clock = 50_000;
    cache.sweep();
    expect([cache.size, cache.heldBytes]).toEqual([0, 0]);
    const ch = group(keys, cache);
    await ch.consume(messagesOf(values));
    expect(ch.applied).toEqual(plain);
    expect(cache.stats.decodeHits + cache.stats.openHits).toBe(0);
  });
});
