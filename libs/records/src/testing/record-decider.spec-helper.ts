import { decisionThen, deciderSpec } from '@shardline/testing';
import { timeOfId } from '@shardline/ids';
import { RecordEvent } from '../domain/record.events';
import { CommandContext } from '../commands/command-context';
import { CreateRecord } from '../commands/create-record/create-record.command';
import { NewRecord, RecordState } from '../domain/record.state';
import { CreateRecordsBatch } from '../commands/create-records-batch/create-records-batch.command';
import { BatchRecordDecision, decideCreateRecordsBatch } from '../commands/create-records-batch/create-records-batch.decide';
import { DeleteRecord } from '../commands/delete-record/delete-record.command';
import { stamped } from '../commands/record.commands';
import { recordDecider } from '../commands/record.decider';
import { RecordPatch, UpdateRecord } from '../commands/update-record/update-record.command';
import { RecordTarget } from '../domain/record.preconditions';

const records = deciderSpec(recordDecider);

/**
 * given(events).when(command).then(events) / .thenFails(code): the records decider through the
 * kit's generic given/when/then (@shardline/testing); `marks` are what the runner loads beside the
 * events (a move saga's lock on the state row).
 */
export function given(history: RecordEvent[], marks: Pick<RecordState, 'movingOutBy'> = {}) {
  const spec = records.given(history, { adjust: (state) => state && { ...state, ...marks } });
  return {
    when: spec.when,
    /** A batch starts no stream's history: each record is decided as a create on a new stream. */
    whenBatch(batch: CreateRecordsBatch, recordIds: string[], now = NOW) {
      const ids = [...recordIds];
      return decisionThen<BatchRecordDecision>(() => decideCreateRecordsBatch(batch, () => ({ now, recordId: ids.shift() ?? 'no-id-left' })));
    },
  };
}

export const ID = '383188219820244992'; // minted 2026-11-23T09:33:10.898Z
export const NOW = new Date('2026-11-24T00:00:00.000Z');
export const context: CommandContext = { commandId: 'c1', clientSupplied: false, correlationId: 'k', causationId: null, actor: null };

/** Commands as the runner hands them to decide: stamped with the decision time and the record's stream. */
export const createRecord = (data: NewRecord, recordId = ID) => stamped(new CreateRecord(data, context), { now: timeOfId(recordId), recordId });
export const updateRecord = (data: RecordPatch, now = NOW) => stamped(new UpdateRecord(data, context), { now, recordId: data.recordId });
export const deleteRecord = (data: RecordTarget, now = NOW) => stamped(new DeleteRecord(data, context), { now, recordId: data.recordId });
export const createRecordsBatch = (records: NewRecord[], atomic = false) => new CreateRecordsBatch({ records, atomic }, context);
