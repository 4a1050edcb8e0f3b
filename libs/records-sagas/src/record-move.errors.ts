import { ShardlineError } from '@shardline/errors';
import { RecordFields } from '@shardline/records';

type Reason = { code: string; message: string; step: string | null } | null;

const why = (reason: Reason) => (reason ? `${reason.code}: ${reason.message}` : 'aborted');

/** Another saga holds some of the sources (423): nothing changed; retry once that saga finished. */
export class MoveSourcesLockedError extends ShardlineError {
  readonly code = 'MOVE.SOURCES_LOCKED';
  readonly kind = 'locked';
  constructor(sagaId: string, reason: Reason) {
    super(`move ${sagaId} changed nothing: ${why(reason)}`, { details: [{ field: RecordFields.moveRecordIds, message: reason?.message ?? 'locked' }] });
  }
}

/** The sources are not movable as asked (409): one left the business, or the copies did not match. Nothing changed. */
export class MoveRefusedError extends ShardlineError {
  readonly code = 'MOVE.REFUSED';
  readonly kind = 'conflict';
  constructor(sagaId: string, reason: Reason) {
    super(`move ${sagaId} changed nothing: ${why(reason)}`, { details: [{ field: RecordFields.moveRecordIds, message: why(reason) }] });
  }
}

/**
 * The move could not be carried out (503): a shard unreachable through every attempt, the deadline,
 * an operator's abort. Nothing changed — unless the undo itself is parked, which the message says.
 */
export class MoveAbortedError extends ShardlineError {
  readonly code = 'MOVE.ABORTED';
  readonly kind = 'unavailable';
  constructor(sagaId: string, reason: Reason, parked: boolean) {
    const undo = parked ? '; undoing it is parked for an operator (the sources stay locked until it is resumed: /admin/sagas)' : '; retry with the same Idempotency-Key';
    super(`move ${sagaId} changed nothing: ${why(reason)}${undo}`, { details: [{ field: RecordFields.moveTo, message: why(reason) }] });
  }
}

/** A whole-business move of a business without records. */
export class NothingToMoveError extends ShardlineError {
  readonly code = 'MOVE.NOTHING_TO_MOVE';
  readonly kind = 'not-found';
  constructor(businessId: string) {
    super(`business ${businessId} has no records to move`, { details: [{ field: RecordFields.moveFrom, message: 'has no records' }] });
  }
}

/** Named records that are not (visible) records of the source business, each by its place in record_ids. */
export class MoveSourcesNotFoundError extends ShardlineError {
  readonly code = 'RECORD.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(businessId: string, missing: Array<{ index: number; id: string }>) {
    super(`${missing.length} of the records to move are not records of business ${businessId}`, {
      details: missing.slice(0, 100).map(({ index, id }) => ({ field: `${RecordFields.moveRecordIds}[${index}]`, message: `record ${id} does not exist in ${businessId}` })),
    });
  }
}

/** Reasons that say the sources cannot be moved as asked, rather than that the move could not run. */
const REFUSALS = new Set(['RECORD.NOT_FOUND', 'MOVE.VERIFY_FAILED', 'MOVE.LOCK_LOST']);

/** Why a move that did not happen did not happen, as the error its client gets. */
export function moveFailedError(sagaId: string, reason: Reason, parked: boolean): ShardlineError {
  if (reason?.code === 'RECORD.LOCKED') return new MoveSourcesLockedError(sagaId, reason);
  if (reason && REFUSALS.has(reason.code)) return new MoveRefusedError(sagaId, reason);
  return new MoveAbortedError(sagaId, reason, parked);
}
