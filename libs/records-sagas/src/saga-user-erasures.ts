import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyKeyReusedError, type CommandOutcome, type UserErasureAccepted, type UserErasures } from '@shardline/records';
import { ERASE_USER, type EraseUserInput } from '@shardline/saga-definitions';
import type { SagaOrchestrator } from '@shardline/sagas';

/**
 * UserErasures on the saga runtime: starts the erase-user saga and answers 202 with its status URL
 * at once (an erasure visits every shard and read model; the status URL ends with its report). With
 * an Idempotency-Key the saga is named by the key: a repeat finds the same erasure, another user
 * under the key is refused (422).
 */
export class SagaUserErasures implements UserErasures {
  constructor(
    private readonly sagas: SagaOrchestrator,
    private readonly statusUrl: (sagaId: string) => string,
  ) {}

  async start(request: Parameters<UserErasures['start']>[0]): Promise<CommandOutcome<UserErasureAccepted>> {
    const { context, userId } = request;
    const id = context.clientSupplied ? `eu-${createHash('sha256').update(context.commandId).digest('hex').slice(0, 40)}` : `eu-${randomUUID()}`;
    const input: EraseUserInput = { user_id: userId, actor: context.actor };
    const { state, created } = await this.sagas.start(ERASE_USER, input, { id });
    if ((state.input as EraseUserInput).user_id !== userId) throw new IdempotencyKeyReusedError(context.commandId);
    return {
      status: 202,
      response: { saga_id: state.id, status: state.status === 'completed' ? 'completed' : 'running', status_url: this.statusUrl(state.id) },
      replayed: !created,
    };
  }
}
