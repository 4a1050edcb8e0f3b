import { FieldIssue, InternalError, ValidationError } from '@shardline/errors';
import { timeOfId } from '@shardline/ids';
import { RecordTooLargeError } from '../../domain/record.errors';
import { RecordMovedIn, RecordMovedOut } from '../../domain/record.events';
import { RecordFields } from '../../domain/record.fields';
import { RecordLimits } from '../../domain/record.limits';
import { RecordState } from '../../domain/record.state';
import { MoveRecords } from './move-records.command';

/**
 * The move's own rules, before any record is looked at: another business, and 1..10,000 distinct
 * record ids when they are named (a whole business is counted when it is listed).
 */
export function assertMoveAcceptable(move: MoveRecords['data']): void {
  if (move.fromBusinessId === move.toBusinessId) {
    throw new ValidationError([{ field: RecordFields.moveTo, message: `must differ from ${RecordFields.moveFrom}` }]);
  }
  if (move.recordIds === undefined) return;
  assertMoveSize(move.recordIds.length);
  const seen = new Set<string>();
  const repeated: FieldIssue[] = [];
  move.recordIds.forEach((id, i) => {
    if (seen.has(id)) repeated.push({ field: `${RecordFields.moveRecordIds}[${i}]`, message: `repeats record ${id}` });
    seen.add(id);
  });
  if (repeated.length > 0) throw new ValidationError(repeated.slice(0, 100));
}

/** 1..10,000 records per move; a business with more is moved by naming its records in several moves. */
export function assertMoveSize(count: number): void {
  if (count === 0) throw new ValidationError([{ field: RecordFields.moveRecordIds, message: 'must name at least one record' }]);
  if (count > RecordLimits.moveMaxRecords) {
    throw new RecordTooLargeError([
      { field: RecordFields.moveRecordIds, message: `${count} records; the limit per move is ${RecordLimits.moveMaxRecords} (name the record_ids of each move)` },
    ]);
  }
}

/** Where a moving record goes: its new business and the id minted for it when the move was accepted. */
export interface MoveTarget {
  businessId: string;
  recordId: string;
}

/**
 * The first event of the copy's new stream: the source's full state under the new business and id,
 * referencing the source stream at the version that was locked. The copy is created at the new id's
 * time (created_time is always the id's time), the source's own creation time rides in moved_from.
 */
export function decideMoveRecordIn(source: RecordState, target: MoveTarget): RecordMovedIn[] {
  return [
    {
      type: 'RecordMovedIn',
      schemaVersion: 1,
      data: {
        id: target.recordId,
        business_id: target.businessId,
        user_id: source.userId,
        data_content: source.dataContent,
        created_time: timeOfId(target.recordId).toISOString(),
        moved_from: { business_id: source.businessId, id: source.id, version: source.version, created_time: source.createdTime.toISOString() },
      },
    },
  ];
}

/**
 * The end of the source stream once the move committed. Only the saga holding the record may retire
 * it; a source already retired (a repeated release) decides nothing.
 */
export function decideMoveRecordOut(state: RecordState | null, move: { sagaId: string; to: MoveTarget; now: Date }): RecordMovedOut[] {
  if (!state) return [];
  if (state.movingOutBy !== move.sagaId) {
    throw new InternalError('MOVE.LOCK_LOST', `record ${state.id} is held by ${state.movingOutBy ?? 'no saga'}, not by the move ${move.sagaId} retiring it`);
  }
  return [
    {
      type: 'RecordMovedOut',
      schemaVersion: 1,
      data: { id: state.id, business_id: state.businessId, user_id: state.userId, moved_time: move.now.toISOString(), to: { business_id: move.to.businessId, id: move.to.recordId } },
    },
  ];
}
