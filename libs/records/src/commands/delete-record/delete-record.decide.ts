import { RecordState } from '../../domain/record';
import { RecordDeleted } from '../../domain/record.events';
import { RecordNotFoundError, RecordVersionMismatchError } from '../../domain/record.errors';
import { DeleteRecord } from './delete-record.command';

export function decideDeleteRecord(state: RecordState | null, command: DeleteRecord, now: Date): RecordDeleted {
  if (!state || state.businessId !== command.businessId) throw new RecordNotFoundError(command.businessId, command.id);
  if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
    throw new RecordVersionMismatchError(state.id, command.expectedVersion, state.version);
  }
  return {
    type: 'RecordDeleted',
    schemaVersion: 1,
    data: { id: state.id, business_id: state.businessId, user_id: state.userId, deleted_time: now.toISOString() },
  };
}
