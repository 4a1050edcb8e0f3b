import { InternalError } from '@shardline/errors';
import { assertDataContentDepth, assertDataContentSize, assertDataContentWellFormed } from '../../domain/record.limits';
import { applyMergePatch, isPlainObject } from '../../domain/merge-patch';
import { RecordState } from '../../domain/record.state';
import { RecordEvent } from '../../domain/record.events';
import { recordToChange } from '../../domain/record.preconditions';
import { Decidable } from '../record.commands';
import { UpdateRecord } from './update-record.command';

/** No event when the patch changes nothing: a no-op patch must not bump the version. */
export function decideUpdateRecord(command: Decidable<UpdateRecord>, state: RecordState | null): RecordEvent[] {
  const record = recordToChange(state, command.data);
  const merged = applyMergePatch(record.dataContent, command.data.patch);
  // A merge patch of an object by an object always yields an object; keep the invariant explicit.
  if (!isPlainObject(merged)) throw new InternalError('RECORD.MERGE_PATCH', 'merge patch produced a non-object data_content');
  if (JSON.stringify(merged) === JSON.stringify(record.dataContent)) return [];
  assertDataContentSize(merged);
  assertDataContentDepth(merged);
  assertDataContentWellFormed(merged);
  return [
    {
      type: 'RecordUpdated',
      schemaVersion: 1,
      data: {
        id: record.id,
        business_id: record.businessId,
        user_id: record.userId,
        patch: command.data.patch,
        data_content: merged,
        updated_time: command.metadata.now.toISOString(),
      },
    },
  ];
}
