import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { CallerPrincipal, OutOfScopeError, type Principal } from '@shardline/auth';
import { integerInRange, validate } from '@shardline/errors';
import { SAGA_ORCHESTRATOR, SAGA_STATUSES, type SagaClientView, type SagaOrchestrator, type SagaState, type SagaSummary } from '@shardline/sagas';

const sagaIdSchema = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a saga id') });
const listQuerySchema = z.strictObject({
  status: z.enum(SAGA_STATUSES as [SagaState['status'], ...SagaState['status'][]]).optional(),
  type: z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'must be a saga type').optional(),
  limit: integerInRange(1, 100, { coerce: true }).default(20),
  before: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a saga id').optional(),
});

/** The status URL a client gets with 202 Accepted: the saga's status, result or error. */
@Controller('api/v1/sagas')
export class SagaStatusHttpController {
  constructor(@Inject(SAGA_ORCHESTRATOR) private readonly sagas: SagaOrchestrator) {}

  /** A key limited to some businesses sees only the sagas it started itself (their input names it as the actor). */
  @Get(':id')
  async status(@Param() params: unknown, @CallerPrincipal() caller: Principal | undefined): Promise<SagaClientView> {
    const { id } = validate(sagaIdSchema, params);
    if (caller?.businessPrefixes) {
      const state = await this.sagas.get(id);
      if ((state.input as { actor?: unknown }).actor !== caller.keyId) throw new OutOfScopeError(caller.keyId, 'id', 'names a saga another key started');
    }
    return this.sagas.clientView(id);
  }
}

/** Operators: list, inspect (steps, timings, failures), retry a parked saga, pause and resume one, abort one. */
@Controller('admin/sagas')
export class SagasAdminHttpController {
  constructor(@Inject(SAGA_ORCHESTRATOR) private readonly sagas: SagaOrchestrator) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ data: SagaSummary[]; next_before: string | null }> {
    const q = validate(listQuerySchema, query);
    const data = await this.sagas.list({ status: q.status, type: q.type, beforeId: q.before, limit: q.limit });
    return { data, next_before: data.length === q.limit ? data[data.length - 1].id : null };
  }

  @Get(':id')
  inspect(@Param() params: unknown): Promise<SagaState> {
    return this.sagas.get(validate(sagaIdSchema, params).id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param() params: unknown): Promise<SagaState> {
    return this.sagas.retry(validate(sagaIdSchema, params).id);
  }

  @Post(':id/abort')
  @HttpCode(200)
  abort(@Param() params: unknown): Promise<SagaState> {
    return this.sagas.abort(validate(sagaIdSchema, params).id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  pause(@Param() params: unknown): Promise<SagaState> {
    return this.sagas.pause(validate(sagaIdSchema, params).id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param() params: unknown): Promise<SagaState> {
    return this.sagas.resume(validate(sagaIdSchema, params).id);
  }
}
