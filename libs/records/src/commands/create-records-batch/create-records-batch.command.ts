import { CommandContext } from '../command-context';
import { NewRecord } from '../../domain/record.state';

/** Create many records: each one as a CreateRecord would, written one transaction per shard. */
export class CreateRecordsBatch {
  readonly type = 'CreateRecordsBatch';
  constructor(
    readonly data: {
      records: NewRecord[];
      /** All-or-nothing across shards: refused (501) until the saga runtime lands. */
      atomic: boolean;
    },
    readonly metadata: CommandContext,
  ) {}
}
