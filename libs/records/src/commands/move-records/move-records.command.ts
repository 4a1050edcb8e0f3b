import { CommandContext } from '../command-context';

/**
 * Move records of one business to another (merging two business entities), whatever shards they
 * live on: the move-records saga locks them, copies them under the new business with new ids,
 * switches at one commit point and retires the sources (docs/adr/0004).
 */
export class MoveRecords {
  readonly type = 'MoveRecords';
  constructor(
    readonly data: {
      fromBusinessId: string;
      toBusinessId: string;
      /** These records of the source business; absent: every record it has when the move is accepted. */
      recordIds?: string[];
      /** Answer 202 with the saga's status URL at once instead of waiting for the commit point. */
      respondAsync?: boolean;
    },
    readonly metadata: CommandContext,
  ) {}
}
