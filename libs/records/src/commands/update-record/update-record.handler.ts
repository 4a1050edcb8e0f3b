import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { toRecordView, RecordView } from '../../domain/record.view';
import { CommandOutcome, RecordCommandRunner } from '../record-command.runner';
import { UpdateRecord } from './update-record.command';
import { decideUpdateRecord } from './update-record.decide';

@CommandHandler(UpdateRecord)
export class UpdateRecordHandler implements ICommandHandler<UpdateRecord, CommandOutcome<RecordView>> {
  constructor(private readonly runner: RecordCommandRunner) {}

  execute(command: UpdateRecord): Promise<CommandOutcome<RecordView>> {
    return this.runner.run({
      businessId: command.businessId,
      recordId: command.id,
      context: command.context,
      fingerprint: ['UpdateRecord', command.businessId, command.id, command.patch, command.expectedVersion ?? null],
      loadState: true,
      retryConflicts: command.expectedVersion === undefined,
      decide: (current, now) => {
        const { event, state } = decideUpdateRecord(current, command, now);
        return {
          events: event ? [event] : [],
          change: event ? { op: 'update', record: state } : null,
          response: toRecordView(state),
        };
      },
    });
  }
}
