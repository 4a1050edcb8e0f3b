import { NewRecord } from '../../domain/record.state';
import { CommandContext } from '../command-context';

/** Create one record. Its id is minted by the runner when deciding (see DecisionStamp). */
export class CreateRecord {
  readonly type = 'CreateRecord';
  constructor(
    readonly data: NewRecord,
    readonly metadata: CommandContext,
  ) {}
}
