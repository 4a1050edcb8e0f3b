import { Controller, Headers, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { validate } from '@shardline/errors';
import { assertUnscoped, CallerPrincipal, type Principal } from '@shardline/auth';
import { commandContextFrom, RequestContextHeaders } from '@shardline/http';
import { CommandOutcome, EraseUser, UserErasureAccepted, userIdSchema } from '@shardline/records';

const userPathSchema = z.strictObject({ user_id: userIdSchema });

/** /api/v1/users: what concerns a user across every business and shard (erasure). No logic lives here. */
@Controller('api/v1/users')
export class UsersHttpController {
  constructor(private readonly commands: CommandBus) {}

  /** Erase the user everywhere (irreversible): 202 with the status URL, which ends with the erasure's report. */
  @Post(':user_id/erasure')
  async erase(
    @Param() params: unknown,
    @Headers() headers: RequestContextHeaders,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserErasureAccepted> {
    // A user's records span every business: erasing them is for keys not limited to some.
    assertUnscoped(caller, 'erasing a user everywhere');
    const context = commandContextFrom(headers, caller?.keyId);
    const { user_id } = validate(userPathSchema, params);
    const outcome: CommandOutcome<UserErasureAccepted> = await this.commands.execute(new EraseUser({ userId: user_id }, context));
    reply.status(outcome.status);
    reply.header('x-correlation-id', context.correlationId);
    reply.header('location', outcome.response.status_url);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return outcome.response;
  }
}
