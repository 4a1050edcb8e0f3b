import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { RecordView } from '../../domain/record.view';
import { CommandOutcome } from '../command-outcome';
import { RecordCommandRunner } from '../record-command.runner';
import { CreateRecord } from './create-record.command';

@CommandHandler(CreateRecord)
export class CreateRecordHandler implements ICommandHandler<CreateRecord, CommandOutcome<RecordView>> {
  constructor(private readonly runner: RecordCommandRunner) {}

  execute(command: CreateRecord): Promise<CommandOutcome<RecordView>> {
    return this.runner.run(command);
  }
}
