import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { messageOf } from '@shardline/errors';
import { toErrorResponse } from '@shardline/http';
import { CommandOutcome } from '@shardline/records';
import { commandIdOf, commandMessageOf, jsonObjectOf, recordCommandOf } from './command-message.parser';
import { IncomingCommand, OutgoingResult } from './command-result.message';

/**
 * Turns one command message into exactly one result, through the same @nestjs/cqrs handlers
 * and idempotency as REST (command_id = Idempotency-Key): parse the message → records command →
 * CommandBus → the outcome (status included) as the result. Never throws: bad input becomes an
 * error result naming the field; only a failure to publish the result (the caller's job) may
 * make the message be redelivered, and the redelivery replays the stored outcome.
 */
@Injectable()
export class RecordCommandIntake {
  private readonly logger = new Logger('command-intake');

  constructor(private readonly commands: CommandBus) {}

  async handle(incoming: IncomingCommand): Promise<OutgoingResult> {
    const { source } = incoming;
    let commandId: string | null = null;
    let type: string | null = null;
    let key = incoming.key ?? `${source.topic}/${source.partition}/${source.offset}`;
    try {
      const value = jsonObjectOf(incoming.value);
      commandId = commandIdOf(value);
      const message = commandMessageOf(value);
      type = message.type;
      if (message.type !== 'create_batch') key = message.business_id;
      const outcome: CommandOutcome<unknown> = await this.commands.execute(recordCommandOf(message));
      return { key, type, result: { command_id: commandId, status: 'ok', http_status: outcome.status, replayed: outcome.replayed, result: outcome.response, source } };
    } catch (error) {
      const { status, body } = toErrorResponse(error);
      if (status >= 500 && status !== 503) this.logger.error(error instanceof Error ? error.stack : messageOf(error));
      return { key, type, result: { command_id: commandId, status: 'error', http_status: status, replayed: false, error: body.error, source } };
    }
  }
}
