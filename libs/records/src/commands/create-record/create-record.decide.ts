import { InternalError } from '@shardline/errors';
import { timeOfId } from '@shardline/ids';
import { assertDataContentDepth, assertDataContentSize, assertDataContentWellFormed } from '../../domain/record.limits';
import { RecordState } from '../../domain/record.state';
import { RecordEvent } from '../../domain/record.events';
import { Decidable } from '../record.commands';
import { CreateRecord } from './create-record.command';

/**
 * Creating a record succeeds for any valid input within the size limit: its stream is new (the
 * runner minted the id). created_time is the time inside the id, which keeps "order by id" ==
 * "order by created_time".
 */
export function decideCreateRecord(command: Decidable<CreateRecord>, state: RecordState | null): RecordEvent[] {
  const { recordId } = command.metadata;
  // Ids are minted fresh for every create, so an existing stream is a bug, never a client error.
  if (state) throw new InternalError('RECORD.ID_TAKEN', `record id ${recordId} was minted twice`);
  assertDataContentSize(command.data.dataContent);
  assertDataContentDepth(command.data.dataContent);
  assertDataContentWellFormed(command.data.dataContent);
  const { businessId, userId, dataContent } = command.data;
  return [
    {
      type: 'RecordCreated',
      schemaVersion: 1,
      data: { id: recordId, business_id: businessId, user_id: userId, data_content: dataContent, created_time: timeOfId(recordId).toISOString() },
    },
  ];
}
