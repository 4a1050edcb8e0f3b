import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { NotImplementedError } from '@shardline/errors';
import { USER_ERASURES, UserErasureAccepted, UserErasures } from '../../ports/user-erasures.port';
import { CommandOutcome } from '../command-outcome';
import { EraseUser } from './erase-user.command';

/** Hands the erasure to the erase-user saga (every shard, every read model: nothing to decide here). */
@CommandHandler(EraseUser)
export class EraseUserHandler implements ICommandHandler<EraseUser, CommandOutcome<UserErasureAccepted>> {
  constructor(@Optional() @Inject(USER_ERASURES) private readonly erasures?: UserErasures) {}

  execute(command: EraseUser): Promise<CommandOutcome<UserErasureAccepted>> {
    if (!this.erasures) throw new NotImplementedError('user_id', 'erasing a user needs the saga runtime, which this process is not wired to');
    return this.erasures.start({ userId: command.data.userId, context: command.metadata });
  }
}
