import { CreateRecord } from './create-record/create-record.command';
import { DeleteRecord } from './delete-record/delete-record.command';
import { UpdateRecord } from './update-record/update-record.command';

/** The commands about one record: what the decider decides and the runner runs. */
export type RecordCommand = CreateRecord | UpdateRecord | DeleteRecord;

/**
 * What the runner stamps on a command just before deciding it (emmett's `metadata.now`): decide
 * stays pure, and transports, which build the commands, need to know neither.
 */
export interface DecisionStamp {
  /** The decision time (updated_time, deleted_time); stamped again when a lost race is retried. */
  now: Date;
  /** The record's stream; for a CreateRecord the id minted for it (a Snowflake id, so also its creation time). */
  recordId: string;
}

/** A command as decide sees it: its metadata (who/why) plus the runner's stamp. */
export type Decidable<C extends RecordCommand> = C & { readonly metadata: DecisionStamp };

export function stamped<C extends RecordCommand>(command: C, stamp: DecisionStamp): Decidable<C> {
  return { ...command, metadata: { ...command.metadata, ...stamp } } as Decidable<C>;
}
