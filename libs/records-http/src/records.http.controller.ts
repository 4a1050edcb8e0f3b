import { Body, Controller, Delete, Headers, Param, Patch, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { commandContextFrom, expectedVersionFrom, RequestContextHeaders } from '@shardline/http';
import {
  batchSchema,
  BatchResult,
  CommandOutcome,
  CreateRecord,
  CreateRecordsBatch,
  DeletedRecordView,
  DeleteRecord,
  newRecordSchema,
  patchSchema,
  RecordLimits,
  RecordTooLargeError,
  RecordView,
  UpdateRecord,
} from '@shardline/records';
import { FieldIssue, hasErrorKind, NotImplementedError, validate, ValidationError } from '@shardline/errors';
import { recordPathSchema as pathSchema } from './records-read.http.controller';

type Headers = RequestContextHeaders & { 'if-match'?: string | string[] };

/** /api/v1/data commands go to the CommandBus; no logic lives here (reads: RecordsReadHttpController). */
@Controller('api/v1/data')
export class RecordsHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post('single')
  async createOne(@Body() body: unknown, @Headers() headers: Headers, @Res({ passthrough: true }) reply: FastifyReply): Promise<RecordView> {
    const context = commandContextFrom(headers);
    const input = validate(newRecordSchema, body);
    const outcome: CommandOutcome<RecordView> = await this.commands.execute(
      new CreateRecord({ businessId: input.business_id, userId: input.user_id, dataContent: input.data_content }, context),
    );
    return this.answer(reply, 201, outcome, context.correlationId);
  }

  @Post('batch')
  async createBatch(@Body() body: unknown, @Headers() headers: Headers, @Res({ passthrough: true }) reply: FastifyReply): Promise<BatchResult> {
    const context = commandContextFrom(headers);
    const batch = validate(batchSchema, body);
    if (batch.data.length === 0) validate(z.object({ data: z.array(z.unknown()).min(1, 'must hold at least one record') }), batch);
    if (batch.data.length > RecordLimits.batchMaxRecords) {
      throw new RecordTooLargeError([{ field: 'data', message: `holds ${batch.data.length} records; the limit is ${RecordLimits.batchMaxRecords}` }]);
    }
    if (batch.atomic) throw new NotImplementedError('atomic', 'atomic cross-shard batches arrive with the saga runtime');
    const records = validateEach(batch.data);
    const result: BatchResult = await this.commands.execute(new CreateRecordsBatch(records, context));
    reply.header('x-correlation-id', context.correlationId);
    reply.status(result.failed === 0 ? 201 : result.created === 0 ? 503 : 207);
    return result;
  }

  @Patch(':business_id/:id')
  async update(
    @Param() params: unknown,
    @Body() body: unknown,
    @Headers() headers: Headers,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordView> {
    const context = commandContextFrom(headers);
    const { business_id, id } = validate(pathSchema, params);
    const { data_content } = validate(patchSchema, body);
    const outcome: CommandOutcome<RecordView> = await this.commands.execute(
      new UpdateRecord(business_id, id, data_content, expectedVersionFrom(headers['if-match']), context),
    );
    return this.answer(reply, 200, outcome, context.correlationId);
  }

  @Delete(':business_id/:id')
  async remove(@Param() params: unknown, @Headers() headers: Headers, @Res({ passthrough: true }) reply: FastifyReply): Promise<DeletedRecordView> {
    const context = commandContextFrom(headers);
    const { business_id, id } = validate(pathSchema, params);
    const outcome: CommandOutcome<DeletedRecordView> = await this.commands.execute(
      new DeleteRecord(business_id, id, expectedVersionFrom(headers['if-match']), context),
    );
    return this.answer(reply, 200, outcome, context.correlationId);
  }

  private answer<T extends { version: number }>(reply: FastifyReply, status: number, outcome: CommandOutcome<T>, correlationId: string): T {
    reply.status(status);
    reply.header('x-correlation-id', correlationId);
    reply.header('etag', `"${outcome.response.version}"`);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return outcome.response;
  }
}

/** Validates every record and reports all bad fields at once, as data[i].field. */
function validateEach(items: unknown[]) {
  const out: Array<{ businessId: string; userId: string; dataContent: Record<string, unknown> }> = [];
  const issues: FieldIssue[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      const r = validate(newRecordSchema, items[i], `data[${i}]`);
      out.push({ businessId: r.business_id, userId: r.user_id, dataContent: r.data_content });
    } catch (error) {
      if (!hasErrorKind(error, 'validation')) throw error;
      issues.push(...error.details);
      if (issues.length >= 100) break; // enough to fix the request; keep the answer small
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}
