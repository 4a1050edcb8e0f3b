import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { integerInRange, validate } from '@shardline/errors';
import type { SlotMoveActionResult, SlotMoveOperator, SlotMoveStatus } from '@shardline/slot-moves';

export const SLOT_MOVE_OPERATOR = Symbol('SlotMoveOperator');

const moveIdSchema = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a slot move id') });
const listQuerySchema = z.strictObject({
  status: z.enum(['open', 'finished', 'all']).default('open'),
  limit: integerInRange(1, 100, { coerce: true }).default(20),
});

/** Operators: the slot moves with their progress and ETA; pause, resume or abort every group of one. */
@Controller('admin/slot-moves')
export class SlotMovesAdminHttpController {
  constructor(@Inject(SLOT_MOVE_OPERATOR) private readonly operator: SlotMoveOperator) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ data: SlotMoveStatus[] }> {
    const q = validate(listQuerySchema, query);
    return { data: await this.operator.list({ status: q.status === 'all' ? undefined : q.status, limit: q.limit }) };
  }

  @Get(':id')
  status(@Param() params: unknown): Promise<SlotMoveStatus> {
    return this.operator.status(validate(moveIdSchema, params).id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  pause(@Param() params: unknown): Promise<SlotMoveActionResult> {
    return this.operator.operate('pause', validate(moveIdSchema, params).id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param() params: unknown): Promise<SlotMoveActionResult> {
    return this.operator.operate('resume', validate(moveIdSchema, params).id);
  }

  @Post(':id/abort')
  @HttpCode(200)
  abort(@Param() params: unknown): Promise<SlotMoveActionResult> {
    return this.operator.operate('abort', validate(moveIdSchema, params).id);
  }
}
