import { InternalError } from '@shardline/errors';
import { decodeEnvelope, EnvelopeDecodeError, type RecordEventEnvelope } from '@shardline/integration-events';
import { GAVE_UP, type GaveUp } from '@shardline/worker';
import type { SinkRejection } from '../projection-sink.port';
import type { DeadLetter, DeadLetterPublisher } from './dead-letter.port';
import type { SourceMessage } from './source-message';

export interface ChunkPorts {
  /** Name in the dead letters' headers. */
  projection: string;
  /** The sink's apply (the live runner's goes through the ApplyCoalescer). */
  apply(events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]>;
  deadLetters: DeadLetterPublisher;
  /**
   * Runs a step until it succeeds, the caller's way: the live runner waits forever, heart-beating;
   * the rebuild gives up after a number of attempts (throws). GAVE_UP abandons the chunk.
   */
  retry<T>(what: 'apply' | 'dead-letter', step: () => Promise<T>): Promise<T | GaveUp>;
}

export interface AppliedChunk {
  /** The valid envelopes, in source order, as given to the sink. */
  events: RecordEventEnvelope[];
  /** How many of them the read model accepted. */
  applied: number;
  /** Published and acknowledged: the undecodable messages and the sink's rejections. */
  deadLetters: DeadLetter[];
}

/**
 * One chunk of messages, the same way for the live runner and the rebuild's replay:
 *   1. decode every message; an undecodable one is poison (a dead letter of kind decode);
 *   2. apply the valid envelopes to the sink, retried while it throws (engine down, 429, timeout);
 *   3. each event the sink rejected becomes a dead letter (kind rejected) of its original message;
 *   4. publish the dead letters, retried likewise, and wait for their acknowledgement.
 * Resolves only after 2 and 4 succeeded: the caller acknowledges the chunk's source position then,
 * never before, so a crash anywhere in between re-delivers the chunk (at least once; the sinks are
 * idempotent). GAVE_UP when the retry gave up: nothing may be acknowledged.
 */
export async function applyChunk(messages: readonly SourceMessage[], ports: ChunkPorts): Promise<AppliedChunk | GaveUp> {
  const events: RecordEventEnvelope[] = [];
  const messageOf = new Map<RecordEventEnvelope, SourceMessage>();
  const deadLetters: DeadLetter[] = [];
  for (const message of messages) {
    try {
      const event = decodeEnvelope(message.value);
      events.push(event);
      messageOf.set(event, message);
    } catch (error) {
      if (!(error instanceof EnvelopeDecodeError)) throw error;
      deadLetters.push({ message, kind: 'decode', reason: error.message });
    }
  }

  const rejections = events.length === 0 ? [] : await ports.retry('apply', () => ports.apply(events));
  if (rejections === GAVE_UP) return GAVE_UP;
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
