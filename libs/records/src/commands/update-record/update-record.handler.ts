import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { RecordView } from '../../domain/record.view';
import { CommandOutcome } from '../command-outcome';
import { RecordCommandRunner } from '../record-command.runner';
import { UpdateRecord } from './update-record.command';

@CommandHandler(UpdateRecord)
export class UpdateRecordHandler implements ICommandHandler<UpdateRecord, CommandOutcome<RecordView>> {
  constructor(private readonly runner: RecordCommandRunner) {}

  execute(command: UpdateRecord): Promise<CommandOutcome<RecordView>> {
    return this.runner.run(command);
  }
}
