import { InternalError } from '@shardline/errors';
import type { StoredEvent } from '@shardline/event-store';
import { retryWithBackoff, GAVE_UP, type BackoffOptions } from '@shardline/worker';
import { applyChunk } from '../apply/apply-chunk';
import type { DeadLetter } from '../apply/dead-letter.port';
import type { EnvelopeKeys } from '../apply/envelope-keys.port';
import type { ProjectionSink } from '../projection-sink.port';
import { asSourceMessage } from '../rebuild/replay-event-store';

export interface ReprojectOptions {
  keys?: EnvelopeKeys;
  retry: BackoffOptions;
  /** Attempts of the apply before the repair fails (the read model is down). */
  maxAttempts: number;
}

/** What became of each event re-projected: applied, or refused again (decode/seal/sink rejection) and why. */
export interface Reprojected {
  applied: number;
  refused: Array<{ streamId: string; streamVersion: number; reason: string }>;
}

/**
 * Re-applies stored events to a read model exactly as the projector would (verify --repair): each
 * event as the bytes the relay publishes (envelopeOf + encode), then applyChunk — decode, open with
 * the users' keys, sink.apply. Sinks are idempotent by stream version, so the versions the model
 * already has are no-ops and the missing ones land. An event the sink refuses again is NOT sent to
 * the dead-letter topic a second time: it is handed back, and the repair reports it.
 */
export async function reprojectEvents(events: readonly StoredEvent[], sink: ProjectionSink, options: ReprojectOptions): Promise<Reprojected> {
  if (events.length === 0) return { applied: 0, refused: [] };
  const refused: DeadLetter[] = [];
  const done = await applyChunk(events.map(asSourceMessage), {
    projection: sink.name,
    apply: (batch) => sink.apply(batch),
    deadLetters: { publish: async (_projection, letters) => void refused.push(...letters) },
    keys: options.keys,
    retry: (_what, step) => retryWithBackoff(step, { backoff: options.retry, maxAttempts: options.maxAttempts }),
  });
  if (done === GAVE_UP) throw new InternalError('PROJECTION.REPAIR_GAVE_UP', `re-projecting into ${sink.name} gave up`);
  const byPosition = new Map(events.map((e) => [`${e.shard}/${e.position}`, e]));
  return {
    applied: done.applied,
    refused: refused.map(({ message, reason }) => {
      const event = byPosition.get(`${message.position.partition}/${message.position.offset}`)!;
      return { streamId: event.streamId, streamVersion: event.streamVersion, reason };
    }),
  };
}
