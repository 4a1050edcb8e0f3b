import { RecordState } from '../domain/record.state';
import { RecordEvent } from '../domain/record.events';
import { evolve, initialState } from '../domain/record.evolve';
import { decideCreateRecord } from './create-record/create-record.decide';
import { decideDeleteRecord } from './delete-record/delete-record.decide';
import { Decidable, RecordCommand } from './record.commands';
import { decideUpdateRecord } from './update-record/update-record.decide';

/** decide(command, state) → events: pure, one slice per command type. Refusals are thrown as record errors. */
export function decide(command: Decidable<RecordCommand>, state: RecordState | null): RecordEvent[] {
  switch (command.type) {
    case 'CreateRecord':
      return decideCreateRecord(command, state);
    case 'UpdateRecord':
      return decideUpdateRecord(command, state);
    case 'DeleteRecord':
      return decideDeleteRecord(command, state);
  }
}

/** The decision and the state it leaves: what the runner (and a batch, per record) turns into a write. */
export function decideAndEvolve(command: Decidable<RecordCommand>, before: RecordState | null): { events: RecordEvent[]; after: RecordState | null } {
  const events = decide(command, before);
  return { events, after: events.reduce(evolve, before) };
}

/** The one decider of a record stream, in emmett's shape. */
export const recordDecider = { decide, evolve, initialState };
