import { RecordState } from '../../domain/record';
import { RecordUpdated } from '../../domain/record.events';
import { RecordNotFoundError, RecordVersionMismatchError } from '../../domain/record.errors';
import { applyMergePatch, isPlainObject } from '../../domain/merge-patch';
import { assertDataContentSize } from '../../domain/data-content';
import { evolve } from '../../domain/evolve';
import { UpdateRecord } from './update-record.command';

/** Returns no event when the patch changes nothing: a no-op patch must not bump the version. */
export function decideUpdateRecord(state: RecordState | null, command: UpdateRecord, now: Date): { event: RecordUpdated | null; state: RecordState } {
  if (!state || state.businessId !== command.businessId) throw new RecordNotFoundError(command.businessId, command.id);
  if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
    throw new RecordVersionMismatchError(state.id, command.expectedVersion, state.version);
  }
  const merged = applyMergePatch(state.dataContent, command.patch);
  // A merge patch of an object by an object always yields an object; keep the invariant explicit.
  if (!isPlainObject(merged)) throw new Error('merge patch produced a non-object data_content');
  if (JSON.stringify(merged) === JSON.stringify(state.dataContent)) return { event: null, state };
  assertDataContentSize(merged);
  const event: RecordUpdated = {
    type: 'RecordUpdated',
    schemaVersion: 1,
    data: {
      id: state.id,
      business_id: state.businessId,
      user_id: state.userId,
      patch: command.patch,
      data_content: merged,
      updated_time: now.toISOString(),
    },
  };
  return { event, state: evolve(state, event)! };
}
