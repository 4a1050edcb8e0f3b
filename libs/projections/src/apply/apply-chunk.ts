import { InternalError } from '@shardline/errors';
import { decodeEnvelope, isPoisonEnvelopeError, type RecordEventEnvelope } from '@shardline/integration-events';
import { GAVE_UP, type GaveUp } from '@shardline/worker';
import type { SinkRejection } from '../projection-sink.port';
import type { DeadLetter, DeadLetterPublisher } from './dead-letter.port';
import type { DecodedEnvelopeCache } from './decoded-envelope-cache';
import type { EnvelopeKeys } from './envelope-keys.port';
import { openEnvelopes } from './open-envelopes';
import type { SourceMessage } from './source-message';

export interface ChunkPorts {
  /** Name in the dead letters' headers. */
  projection: string;
  /** The sink's apply (the live runner's goes through the ApplyCoalescer). */
  apply(events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]>;
  deadLetters: DeadLetterPublisher;
  /** Opens sealed (version 2) envelopes; without it a sealed envelope stalls the chunk (it is never dropped). */
  keys?: EnvelopeKeys;
  /** Shared by the consumer groups of a process: each message decoded and opened once (see DecodedEnvelopeCache). */
  cache?: DecodedEnvelopeCache;
  /**
   * Runs a step until it succeeds, the caller's way: the live runner waits forever, heart-beating;
   * the rebuild gives up after a number of attempts (throws). GAVE_UP abandons the chunk.
   */
  retry<T>(what: 'apply' | 'dead-letter', step: () => Promise<T>): Promise<T | GaveUp>;
}

export interface AppliedChunk {
  /** The opened envelopes, in source order, as given to the sink. */
  events: RecordEventEnvelope[];
  /** How many of them the read model accepted. */
  applied: number;
  /** Published and acknowledged: the undecodable or unopenable messages and the sink's rejections. */
  deadLetters: DeadLetter[];
}

/**
 * One chunk of messages, the same way for the live runner and the rebuild's replay:
 *   1. decode every message (unless its source decoded it already: SourceMessage.envelope); an
 *      undecodable one is poison (a dead letter of kind decode);
 *   2. open the sealed envelopes with one key lookup for the chunk's users (a seal that does not
 *      open is poison too; an erased user's event becomes RecordErased), then apply the opened
 *      envelopes to the sink; both retried together while they throw (control database or engine
 *      down, 429, timeout), so every attempt opens with keys no older than the key cache's TTL:
 *      content is never applied from a key forgotten long before (a long outage, then a retry);
 *   3. each event the sink rejected becomes a dead letter (kind rejected) of its original message;
 *   4. publish the dead letters, retried likewise, and wait for their acknowledgement.
 * Dead letters carry the ORIGINAL bytes: a sealed message stays sealed in the dead-letter topic.
 * Resolves only after 2 and 4 succeeded: the caller acknowledges the chunk's source position then,
 * never before, so a crash anywhere in between re-delivers the chunk (at least once; the sinks are
 * idempotent). GAVE_UP when the retry gave up: nothing may be acknowledged.
 */
export async function applyChunk(messages: readonly SourceMessage[], ports: ChunkPorts): Promise<AppliedChunk | GaveUp> {
  const decoded: Array<{ envelope: RecordEventEnvelope; message: SourceMessage }> = [];
  const deadLetters: DeadLetter[] = [];
  for (const message of messages) {
    try {
      decoded.push({ envelope: message.envelope ?? (ports.cache ? ports.cache.decode(message) : decodeEnvelope(message.value)), message });
    } catch (error) {
      if (!isPoisonEnvelopeError(error)) throw error;
      deadLetters.push({ message, kind: 'decode', reason: error.message });
    }
  }

  const outcome = decoded.length === 0 ? null : await ports.retry('apply', () => openAndApply(decoded, ports));
  if (outcome === GAVE_UP) return GAVE_UP;
  const { events, messageOf, unopenable, rejections } = outcome ?? { events: [], messageOf: new Map(), unopenable: [], rejections: [] };
  deadLetters.push(...unopenable);
  // A sink may hand back an equal copy rather than the event it was given: fall back to the event
  // id (the first message carrying it, as in the chunk's order).
  const byId = rejections.length === 0 ? null : new Map([...messageOf].reverse().map(([event, message]) => [event.event_id, message]));
  for (const { event, reason } of rejections) {
    const message = messageOf.get(event) ?? byId?.get(event.event_id);
    if (!message) throw new InternalError('PROJECTION.UNKNOWN_REJECTION', `sink of ${ports.projection} rejected an event it was not given (${event.event_id})`);
    deadLetters.push({ message, kind: 'rejected', reason });
  }

  if (deadLetters.length > 0 && (await ports.retry('dead-letter', () => ports.deadLetters.publish(ports.projection, deadLetters))) === GAVE_UP) return GAVE_UP;
  return { events, applied: events.length - rejections.length, deadLetters };
}

/** Step 2, one attempt: open (one key lookup), then apply what opened. */
async function openAndApply(decoded: ReadonlyArray<{ envelope: RecordEventEnvelope; message: SourceMessage }>, ports: ChunkPorts) {
  const opened = await openEnvelopes(
    decoded.map((d) => d.envelope),
    ports.keys,
    ports.cache,
  );
  const events: RecordEventEnvelope[] = [];
  const messageOf = new Map<RecordEventEnvelope, SourceMessage>();
  const unopenable: DeadLetter[] = [];
  opened.forEach((result, i) => {
    const { message } = decoded[i];
    if ('poison' in result) unopenable.push({ message, kind: 'decode', reason: result.poison });
    else {
      events.push(result.event);
      messageOf.set(result.event, message);
    }
  });
  const rejections = events.length === 0 ? [] : await ports.apply(events);
  return { events, messageOf, unopenable, rejections };
}
