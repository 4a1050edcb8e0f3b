import { RecordTarget } from '../../domain/record.preconditions';
import { CommandContext } from '../command-context';

export class DeleteRecord {
  readonly type = 'DeleteRecord';
  constructor(
    readonly data: RecordTarget,
    readonly metadata: CommandContext,
  ) {}
}
