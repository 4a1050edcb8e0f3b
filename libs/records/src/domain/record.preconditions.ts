import { RecordState } from './record.state';
import { RecordLockedError, RecordNotFoundError, RecordVersionMismatchError } from './record.errors';

/** Which existing record a command acts on, as the client named it. */
export interface RecordTarget {
  businessId: string;
  recordId: string;
  /** From If-Match: refuse unless the record is at exactly this version. */
  expectedVersion?: number;
}

/**
 * The record an update or delete acts on: it must exist in the command's business (another
 * business's record is as absent as a deleted one), not be held by a move saga, and, when the
 * client pinned a version, be at it.
 */
export function recordToChange(state: RecordState | null, target: RecordTarget): RecordState {
  if (!state || state.businessId !== target.businessId) throw new RecordNotFoundError(target.businessId, target.recordId);
  assertNotLocked(state);
  if (target.expectedVersion !== undefined && target.expectedVersion !== state.version) {
    throw new RecordVersionMismatchError(state.id, target.expectedVersion, state.version);
  }
  return state;
}

/** A record a move saga holds cannot change (RECORD.LOCKED names the saga). */
export function assertNotLocked(state: RecordState | null): void {
  if (state?.movingOutBy) throw new RecordLockedError(state.id, state.movingOutBy);
}
