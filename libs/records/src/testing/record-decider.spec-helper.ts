import { timeOfId } from '@shardline/ids';
import { RecordEvent } from '../domain/record.events';
import { replay } from '../domain/record.evolve';
import { CommandContext } from '../commands/command-context';
import { CreateRecord } from '../commands/create-record/create-record.command';
import { NewRecord, RecordState } from '../domain/record.state';
import { CreateRecordsBatch } from '../commands/create-records-batch/create-records-batch.command';
import { BatchRecordDecision, decideCreateRecordsBatch } from '../commands/create-records-batch/create-records-batch.decide';
import { DeleteRecord } from '../commands/delete-record/delete-record.command';
import { Decidable, RecordCommand, stamped } from '../commands/record.commands';
import { decide } from '../commands/record.decider';
import { RecordPatch, UpdateRecord } from '../commands/update-record/update-record.command';
import { RecordTarget } from '../domain/record.preconditions';

/**
 * given(events).when(command).then(events) / .thenFails(code): the decider is tested as a pure
 * function of the history, the way the runner feeds it (state = the events replayed).
 */
export function given(history: RecordEvent[], marks: Pick<RecordState, 'movingOutBy'> = {}) {
  const replayed = replay(history);
  // The state row's marks (a move saga's lock) are not events: the runner loads them with the state.
  const state = replayed && { ...replayed, ...marks };
  return {
    when(command: Decidable<RecordCommand>) {
      return outcomeOf(() => decide(command, state));
    },
    /** A batch starts no stream's history: each record is decided as a create on a new stream. */
    whenBatch(batch: CreateRecordsBatch, recordIds: string[], now = NOW) {
      const ids = [...recordIds];
      return outcomeOf(() => decideCreateRecordsBatch(batch, () => ({ now, recordId: ids.shift() ?? 'no-id-left' })));
    },
  };
}

function outcomeOf<T extends RecordEvent[] | BatchRecordDecision[]>(run: () => T) {
  return {
    then(expected: T) {
      expect(run()).toEqual(expected);
    },
    /** Refused with this code (and, when given, exactly these details). */
    thenFails(code: string, details?: Array<{ field: string; message: unknown }>) {
      expect(run).toThrow(expect.objectContaining(details ? { code, details } : { code }));
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
