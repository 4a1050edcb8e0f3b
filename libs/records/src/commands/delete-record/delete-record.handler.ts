import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandOutcome, RecordCommandRunner } from '../record-command.runner';
import { DeleteRecord } from './delete-record.command';
import { decideDeleteRecord } from './delete-record.decide';

export interface DeletedRecordView {
  id: string;
  business_id: string;
  version: number;
  deleted: true;
}

@CommandHandler(DeleteRecord)
export class DeleteRecordHandler implements ICommandHandler<DeleteRecord, CommandOutcome<DeletedRecordView>> {
  constructor(private readonly runner: RecordCommandRunner) {}

  execute(command: DeleteRecord): Promise<CommandOutcome<DeletedRecordView>> {
    return this.runner.run({
      businessId: command.businessId,
      recordId: command.id,
      context: command.context,
      fingerprint: ['DeleteRecord', command.businessId, command.id, command.expectedVersion ?? null],
      loadState: true,
      retryConflicts: command.expectedVersion === undefined,
      decide: (current, now) => {
        const event = decideDeleteRecord(current, command, now);
        const record = current!;
        return {
          events: [event],
          change: { op: 'delete', record: { ...record, version: record.version + 1 } },
          response: { id: record.id, business_id: record.businessId, version: record.version + 1, deleted: true },
        };
      },
    });
  }
}
