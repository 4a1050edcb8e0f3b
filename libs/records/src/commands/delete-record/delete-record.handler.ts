import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DeletedRecordView } from '../../domain/record.view';
import { CommandOutcome } from '../command-outcome';
import { RecordCommandRunner } from '../record-command.runner';
import { DeleteRecord } from './delete-record.command';

@CommandHandler(DeleteRecord)
export class DeleteRecordHandler implements ICommandHandler<DeleteRecord, CommandOutcome<DeletedRecordView>> {
  constructor(private readonly runner: RecordCommandRunner) {}

  execute(command: DeleteRecord): Promise<CommandOutcome<DeletedRecordView>> {
    return this.runner.run(command);
  }
}
