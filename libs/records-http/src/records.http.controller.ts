import { Body, Controller, Delete, Headers, Param, Patch, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { FieldIssue, hasErrorKind, validate, ValidationError } from '@shardline/errors';
import { assertInScope, CallerPrincipal, type Principal } from '@shardline/auth';
import { commandContextFrom, expectedVersionFrom, RequestContextHeaders } from '@shardline/http';
import {
  assertBatchAcceptable,
  assertMoveSize,
  AtomicBatchAccepted,
  batchRecordPath,
  batchSchema,
  BatchResult,
  CommandContext,
  CommandOutcome,
  CreateRecord,
  CreateRecordsBatch,
  DeletedRecordView,
  DeleteRecord,
  MoveRecords,
  moveRecordIdsSchema,
  moveSchema,
  NewRecord,
  newRecordOf,
  newRecordSchema,
  patchSchema,
  RecordFields,
  RecordMoveAccepted,
  RecordMoveResult,
  RecordView,
  UpdateRecord,
} from '@shardline/records';
import { recordPathSchema as pathSchema } from './records-read.http.controller';

type Headers = RequestContextHeaders & { 'if-match'?: string | string[]; prefer?: string | string[] };

/** RFC 7240 `Prefer: respond-async`: an atomic batch or a move answers 202 with its status URL at once. */
function prefersAsync(headers: Headers): boolean {
  const prefer = Array.isArray(headers.prefer) ? headers.prefer.join(',') : (headers.prefer ?? '');
  return prefer.split(',').some((p) => p.trim().toLowerCase() === 'respond-async');
}

/**
 * /api/v1/data commands: parse the request into a records command, send it on the CommandBus,
 * write the outcome (its status included) as the answer. No logic lives here (reads: RecordsReadHttpController).
 */
@Controller('api/v1/data')
export class RecordsHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post('single')
  async createOne(
    @Body() body: unknown,
    @Headers() headers: Headers,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordView> {
    const context = commandContextFrom(headers, caller?.keyId);
    const record = newRecordOf(validate(newRecordSchema, body));
    assertInScope(caller, [{ businessId: record.businessId, field: 'business_id' }]);
    return answerWithRecord<RecordView>(reply, await this.commands.execute(new CreateRecord(record, context)), context);
  }

  @Post('batch')
  async createBatch(
    @Body() body: unknown,
    @Headers() headers: Headers,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BatchResult | AtomicBatchAccepted> {
    const context = commandContextFrom(headers, caller?.keyId);
    const command = batchCommandOf(body, context, prefersAsync(headers));
    // Every record of a batch must be in the key's scope: one outside refuses the whole batch.
    assertInScope(caller, command.data.records.map((r, i) => ({ businessId: r.businessId, field: `${batchRecordPath(i)}.business_id` })));
    const outcome: CommandOutcome<BatchResult | AtomicBatchAccepted> = await this.commands.execute(command);
    return answerSaga(reply, outcome, context);
  }

  /** Move records to another business (the move-records saga): 201 once switched, 202 + status URL while in progress. */
  @Post('moves')
  async move(
    @Body() body: unknown,
    @Headers() headers: Headers,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordMoveResult | RecordMoveAccepted> {
    const context = commandContextFrom(headers, caller?.keyId);
    const command = moveCommandOf(body, context, prefersAsync(headers));
    assertInScope(caller, [
      { businessId: command.data.fromBusinessId, field: 'from_business_id' },
      { businessId: command.data.toBusinessId, field: 'to_business_id' },
    ]);
    const outcome: CommandOutcome<RecordMoveResult | RecordMoveAccepted> = await this.commands.execute(command);
    return answerSaga(reply, outcome, context);
  }

  @Patch(':business_id/:id')
  async update(
    @Param() params: unknown,
    @Body() body: unknown,
    @Headers() headers: Headers,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordView> {
    const context = commandContextFrom(headers, caller?.keyId);
    const { business_id, id } = validate(pathSchema, params);
    assertInScope(caller, [{ businessId: business_id, field: 'business_id' }]);
    const { data_content } = validate(patchSchema, body);
    const expectedVersion = expectedVersionFrom(headers['if-match']);
    const command = new UpdateRecord({ businessId: business_id, recordId: id, patch: data_content, expectedVersion }, context);
    return answerWithRecord<RecordView>(reply, await this.commands.execute(command), context);
  }

  @Delete(':business_id/:id')
  async remove(
    @Param() params: unknown,
    @Headers() headers: Headers,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeletedRecordView> {
    const context = commandContextFrom(headers, caller?.keyId);
    const { business_id, id } = validate(pathSchema, params);
    assertInScope(caller, [{ businessId: business_id, field: 'business_id' }]);
    const command = new DeleteRecord({ businessId: business_id, recordId: id, expectedVersion: expectedVersionFrom(headers['if-match']) }, context);
    return answerWithRecord<DeletedRecordView>(reply, await this.commands.execute(command), context);
  }
}

/** The outcome as the HTTP answer: its status, the correlation id, and whether it was a replay. */
function answer<T>(reply: FastifyReply, outcome: CommandOutcome<T>, context: CommandContext): T {
  reply.status(outcome.status);
  reply.header('x-correlation-id', context.correlationId);
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return outcome.response;
}

/** A saga's 202 also points at its status URL (Location). */
function answerSaga<T>(reply: FastifyReply, outcome: CommandOutcome<T>, context: CommandContext): T {
  if (outcome.status === 202) reply.header('location', (outcome.response as { status_url: string }).status_url);
  return answer(reply, outcome, context);
}

/** Answers about one record also carry its version as the ETag (what If-Match sends back). */
function answerWithRecord<T extends { version: number }>(reply: FastifyReply, outcome: CommandOutcome<T>, context: CommandContext): T {
  reply.header('etag', `"${outcome.response.version}"`);
  return answer(reply, outcome, context);
}

/**
 * The batch body as a command. The batch's own rules (count, atomic) are applied before its
 * records are parsed, so a body of 10,001 records is refused by its count (413) without parsing
 * any of them; decide applies them again, for every transport.
 */
function batchCommandOf(body: unknown, context: CommandContext, respondAsync: boolean): CreateRecordsBatch {
  const batch = validate(batchSchema, body);
  assertBatchAcceptable(batch.data.length);
  return new CreateRecordsBatch({ records: parseEach(batch.data), atomic: batch.atomic ?? false, respondAsync }, context);
}

/** The move body as a command; its record ids are counted before they are parsed (413 beyond the limit). */
function moveCommandOf(body: unknown, context: CommandContext, respondAsync: boolean): MoveRecords {
  const move = validate(moveSchema, body);
  if (move.record_ids !== undefined) assertMoveSize(move.record_ids.length);
  const recordIds = move.record_ids === undefined ? undefined : validate(moveRecordIdsSchema, move.record_ids, RecordFields.moveRecordIds);
  return new MoveRecords({ fromBusinessId: move.from_business_id, toBusinessId: move.to_business_id, recordIds, respondAsync }, context);
}

/** Parses every record, reporting the bad fields of all of them at once as data[i].field. */
function parseEach(items: unknown[]): NewRecord[] {
  const records: NewRecord[] = [];
  const issues: FieldIssue[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      records.push(newRecordOf(validate(newRecordSchema, items[i], batchRecordPath(i))));
    } catch (error) {
      if (!hasErrorKind(error, 'validation')) throw error;
      issues.push(...error.details);
      if (issues.length >= 100) break; // enough to fix the request; keep the answer small
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return records;
}
