import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { assertInScope } from '@shardline/auth';
import { CommandBus } from '@nestjs/cqrs';
import { messageOf } from '@shardline/errors';
import { toErrorResponse } from '@shardline/http';
import { CommandOutcome } from '@shardline/records';
import { businessesOf, commandIdOf, commandMessageOf, jsonObjectOf, recordCommandOf } from './command-message.parser';
import { INTAKE_AUTH, type IntakeAuth, principalOfMessage } from './intake-authorizer';
import { IncomingCommand, OutgoingResult } from './command-result.message';

/**
 * Turns one command message into exactly one result, through the same @nestjs/cqrs handlers
 * and idempotency as REST (command_id = Idempotency-Key): parse the message → records command →
 * CommandBus → the outcome (status included) as the result. A message proves its right as
 * SHARDLINE_INTAKE_AUTH says (intake-authorizer.ts); a refusal is an error result (AUTH.*). Never throws: bad input becomes an
 * error result naming the field; only a failure to publish the result (the caller's job) may
 * make the message be redelivered, and the redelivery replays the stored outcome.
 */
@Injectable()
export class RecordCommandIntake {
  private readonly logger = new Logger('command-intake');

  constructor(
    private readonly commands: CommandBus,
    @Optional() @Inject(INTAKE_AUTH) private readonly auth: IntakeAuth = { mode: 'off' },
  ) {}

  async handle(incoming: IncomingCommand): Promise<OutgoingResult> {
    const { source } = incoming;
    let commandId: string | null = null;
    let type: string | null = null;
    let key = incoming.key ?? `${source.topic}/${source.partition}/${source.offset}`;
    try {
      const value = jsonObjectOf(incoming.value);
      commandId = commandIdOf(value);
      // Its right before its content (401/403 results, like REST); the command id is read first so the refusal names it.
      const caller = await principalOfMessage(this.auth, incoming.authorization ?? null);
      const message = commandMessageOf(value);
      type = message.type;
      if (message.type !== 'create_batch') key = message.business_id;
      assertInScope(caller, businessesOf(message));
      const outcome: CommandOutcome<unknown> = await this.commands.execute(recordCommandOf(message, caller?.keyId ?? null));
      return { key, type, result: { command_id: commandId, status: 'ok', http_status: outcome.status, replayed: outcome.replayed, result: outcome.response, source } };
    } catch (error) {
      const { status, body } = toErrorResponse(error);
      if (status >= 500 && status !== 503) this.logger.error(error instanceof Error ? error.stack : messageOf(error));
      return { key, type, result: { command_id: commandId, status: 'error', http_status: status, replayed: false, error: body.error, source } };
    }
  }
}
