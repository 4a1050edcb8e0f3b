import { monthKeyOf } from '@shardline/event-store';
import { timeOfId } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { type EnvelopeKeys, openEnvelopes } from '@shardline/projections';
import { evolve, initialState, type RecordEvent, type RecordState, type RecordStateChange, recordStateChangeOf } from '@shardline/records';

/** The event tables' month partition of a record's stream: its creation month, carried by its Snowflake id (as the write side's planner). */
export function partitionMonthOfEnvelope(envelope: RecordEventEnvelope): number {
  return monthKeyOf(timeOfId(envelope.record_id));
}

/**
 * The `records` row change of importing a stream's events after the `storedCount` it already holds:
 * the history folded by the records decider's own `evolve` (content sealed at write time opened
 * with the users' keys, as the projections and records:rebuild open it), before and after the new
 * events, turned into insert / update / delete by the write side's recordStateChangeOf. Null when
 * neither side has a record (a stream created and deleted within the recording, into an empty store).
 */
export async function recordStateOfImport(history: readonly RecordEventEnvelope[], storedCount: number, keys: EnvelopeKeys | undefined): Promise<RecordStateChange | null> {
  const opened = await openEnvelopes(history, keys);
  let state: RecordState | null = initialState();
  let before: RecordState | null = initialState();
  opened.forEach((result, i) => {
    if ('poison' in result) throw new Error(`event ${history[i].event_id} cannot be opened: ${result.poison}`);
    state = evolve(state, { type: result.event.event_type, schemaVersion: result.event.schema_version, data: result.event.data } as RecordEvent);
    if (i === storedCount - 1) before = state;
  });
  if (!before && !state) return null;
  return recordStateChangeOf(before, state, history.length);
}
