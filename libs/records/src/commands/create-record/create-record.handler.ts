import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { toRecordView, RecordView } from '../../domain/record.view';
import { ID_GENERATOR, IdGenerator } from '../../ports/clock.port';
import { CommandOutcome, RecordCommandRunner } from '../record-command.runner';
import { CreateRecord } from './create-record.command';
import { decideCreateRecord } from './create-record.decide';

@CommandHandler(CreateRecord)
export class CreateRecordHandler implements ICommandHandler<CreateRecord, CommandOutcome<RecordView>> {
  constructor(
    private readonly runner: RecordCommandRunner,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  execute(command: CreateRecord): Promise<CommandOutcome<RecordView>> {
    const id = this.ids.next();
    return this.runner.run({
      businessId: command.input.businessId,
      recordId: id,
      context: command.context,
      fingerprint: ['CreateRecord', command.input],
      loadState: false,
      retryConflicts: false,
      decide: () => {
        const { event, state } = decideCreateRecord(command.input, id);
        return { events: [event], change: { op: 'insert', record: state }, response: toRecordView(state) };
      },
    });
  }
}
