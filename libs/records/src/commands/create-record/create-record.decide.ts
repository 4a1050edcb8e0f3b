import { timeOfId } from '@shardline/ids';
import { RecordState } from '../../domain/record';
import { RecordCreated } from '../../domain/record.events';
import { assertDataContentSize } from '../../domain/data-content';
import { NewRecordInput } from './create-record.command';

/**
 * Creating a record always succeeds for valid input: the id is fresh, so there is no prior state.
 * created_time is the time inside the id, which keeps "order by id" == "order by created_time".
 */
export function decideCreateRecord(input: NewRecordInput, id: string, field = 'data_content'): { event: RecordCreated; state: RecordState } {
  assertDataContentSize(input.dataContent, field);
  const createdTime = timeOfId(id);
  const event: RecordCreated = {
    type: 'RecordCreated',
    schemaVersion: 1,
    data: {
      id,
      business_id: input.businessId,
      user_id: input.userId,
      data_content: input.dataContent,
      created_time: createdTime.toISOString(),
    },
  };
  const state: RecordState = {
    id,
    businessId: input.businessId,
    userId: input.userId,
    dataContent: input.dataContent,
    version: 1,
    createdTime,
    updatedTime: createdTime,
  };
  return { event, state };
}
