import { InternalError, messageOf } from '@shardline/errors';
import type { EventLogReader, StoredEvent } from '@shardline/event-store';
import { encodeEnvelope, envelopeFastPath, envelopeOf } from '@shardline/integration-events';
import { GAVE_UP, retryWithBackoff, type BackoffOptions, type WorkerLog } from '@shardline/worker';
import { applyChunk } from '../apply/apply-chunk';
import type { DeadLetterPublisher } from '../apply/dead-letter.port';
import type { EnvelopeKeys } from '../apply/envelope-keys.port';
import type { SourceMessage } from '../apply/source-message';
import type { ProjectionSink } from '../projection-sink.port';

export interface ReplayOptions {
  reader: EventLogReader;
  shards: readonly number[];
  /** Events per table read and per sink.apply. */
  batchSize: number;
  /** Shards replayed at the same time. */
  concurrency: number;
  retry: BackoffOptions;
  /** Attempts of one apply or dead-letter publish before the replay (and the rebuild) fails. */
  maxAttempts: number;
  log: WorkerLog;
  /** Opens the events sealed at write time (docs/adr/0005): the tables hold the same ciphertext as Kafka. */
  keys?: EnvelopeKeys;
  /** Only these events are applied (the others are read and skipped), e.g. a business, a user, a time range. */
  filter?: (event: StoredEvent) => boolean;
  /** Resume: the last position already applied, per shard (a replay stopped by Ctrl-C goes on from there). */
  after?: ReadonlyMap<number, string>;
  /** After each chunk the sink accepted: where the shard stands (progress, a checkpoint). */
  onChunk?: (chunk: { shard: number; position: string; events: number }) => void | Promise<void>;
}

/**
 * Step 2 of the rebuild: every shard's event table in position order (keyset pages) into `target`,
 * through applyChunk like the live runner: each stored event as the envelope the relay publishes
 * (envelopeOf), so the replayed envelope is the one Kafka carries (asSourceMessage: without the
 * encode and decode round trip, which gives the same envelope).
 */
export async function replayEventStore(options: ReplayOptions, target: ProjectionSink, deadLetters: DeadLetterPublisher): Promise<{ events: number; rejected: number }> {
  const totals = { events: 0, rejected: 0 };
  const queue = [...options.shards];
  /** One chunk into the target through the live runner's apply core; answers how many it rejected. */
  const applySelected = async (shard: number, selected: StoredEvent[]): Promise<number> => {
    const done = await applyChunk(selected.map(asSourceMessage), {
      projection: target.name,
      apply: (events) => target.apply(events),
      deadLetters,
      keys: options.keys,
      retry: (what, step) =>
        retryWithBackoff(step, {
          backoff: options.retry,
          maxAttempts: options.maxAttempts,
          onRetry: (error, attempt, delay) => options.log('warn', `replay of shard ${shard}: ${what} failed (attempt ${attempt}/${options.maxAttempts}), retrying in ${delay} ms`, { error: messageOf(error) }),
        }),
    });
    // Without a signal or a wait that says stop, the retry either succeeds or throws.
    if (done === GAVE_UP) throw new InternalError('PROJECTION.REPLAY_GAVE_UP', `replay of shard ${shard} gave up without an error`);
    return done.deadLetters.length;
  };
  const worker = async () => {
    for (let shard = queue.shift(); shard !== undefined; shard = queue.shift()) {
      for (let after = options.after?.get(shard) ?? '0'; ; ) {
        const stored = await options.reader.readEventsAfter(shard, after, options.batchSize);
        if (stored.length === 0) break;
        after = stored[stored.length - 1].position;
        const selected = options.filter ? stored.filter(options.filter) : stored;
        if (selected.length > 0) totals.rejected += await applySelected(shard, selected);
        totals.events += selected.length;
        await options.onChunk?.({ shard, position: after, events: stored.length });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return totals;
}

/**
 * A stored event as its Kafka message would be, placed at its shard's table and position (the dead
 * letters say so). The envelope goes along already decoded when the decoder's own fast path accepts
 * it: that is the object decodeEnvelope(encodeEnvelope(envelope)) returns, because a stored event's
 * data is JSON already (parsed from its column or its recording's line), so the round trip through
 * bytes — a third of a replay's CPU — changes nothing (held equal in replay-event-store.unit.spec.ts).
 * The bytes are then encoded only if read (a dead letter). Anything the fast path does not accept
 * goes as bytes, and the decoder decides and explains, as for a Kafka message.
 */
export function asSourceMessage(event: StoredEvent): SourceMessage {
  const built = envelopeOf(event);
  const position = { topic: `event-store/shard-${event.shard}`, partition: event.shard, offset: event.position };
  const envelope = envelopeFastPath(built);
  if (!envelope) return { key: null, value: encodeEnvelope(built), headers: {}, position };
  let value: Buffer | undefined;
  return {
    key: null,
    get value() {
      return (value ??= encodeEnvelope(built));
    },
    headers: {},
    position,
    envelope,
  };
}
