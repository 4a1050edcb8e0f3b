import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { NotImplementedError } from '@shardline/errors';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { RecordFields } from '../../domain/record.fields';
import { RECORD_MOVES, RecordMoveAccepted, RecordMoveResult, RecordMoves } from '../../ports/record-moves.port';
import { CommandOutcome } from '../command-outcome';
import { requestHashOf } from '../record-command.idempotency';
import { MoveRecords } from './move-records.command';
import { assertMoveAcceptable } from './move-records.decide';

/**
 * A move is decided acceptable (another business, 1..10,000 distinct ids when named), routed to its
 * two shards (the same shard works the same way) and handed to the move-records saga, which does
 * the rest: which records, their new ids, the lock, the copy and the switch.
 */
@CommandHandler(MoveRecords)
export class MoveRecordsHandler implements ICommandHandler<MoveRecords, CommandOutcome<RecordMoveResult | RecordMoveAccepted>> {
  constructor(
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
    @Optional() @Inject(RECORD_MOVES) private readonly moves?: RecordMoves,
  ) {}

  execute(command: MoveRecords): Promise<CommandOutcome<RecordMoveResult | RecordMoveAccepted>> {
    assertMoveAcceptable(command.data);
    if (!this.moves) throw new NotImplementedError(RecordFields.moveTo, 'moving records needs the saga runtime, which this process is not wired to');
    const { fromBusinessId, toBusinessId, recordIds, respondAsync } = command.data;
    return this.moves.run({
      context: command.metadata,
      requestHash: requestHashOf(command),
      fromBusinessId,
      fromShard: this.router.shardFor(fromBusinessId),
      toBusinessId,
      toShard: this.router.shardFor(toBusinessId),
      recordIds: recordIds ?? null,
      respondAsync: respondAsync ?? false,
    });
  }
}
