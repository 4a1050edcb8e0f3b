import { CommandContext } from '../command-context';
import { NewRecord } from '../../domain/record.state';

/** Create many records: each one as a CreateRecord would, written one transaction per shard. */
export class CreateRecordsBatch {
  readonly type = 'CreateRecordsBatch';
  constructor(
    readonly data: {
      records: NewRecord[];
      /** All-or-nothing across shards, visible at once (the atomic-batch saga; 501 where it is not wired). */
      atomic: boolean;
      /** For atomic batches: answer 202 with the saga's status URL at once instead of waiting. */
      respondAsync?: boolean;
    },
    readonly metadata: CommandContext,
  ) {}
}
