import { RecordState } from '../../domain/record.state';
import { RecordEvent } from '../../domain/record.events';
import { recordToChange } from '../../domain/record.preconditions';
import { Decidable } from '../record.commands';
import { DeleteRecord } from './delete-record.command';

export function decideDeleteRecord(command: Decidable<DeleteRecord>, state: RecordState | null): RecordEvent[] {
  const record = recordToChange(state, command.data);
  return [
    {
      type: 'RecordDeleted',
      schemaVersion: 1,
      data: { id: record.id, business_id: record.businessId, user_id: record.userId, deleted_time: command.metadata.now.toISOString() },
    },
  ];
}
