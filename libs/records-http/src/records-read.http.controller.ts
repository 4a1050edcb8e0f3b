import { Controller, Get, Headers, HttpCode, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { assertBusinessNamed, assertInScope, CallerPrincipal, type Principal } from '@shardline/auth';
import { correlationIdFrom, RequestContextHeaders } from '@shardline/http';
import { businessIdSchema, GetRecord, ListRecords, RecordLimits, RecordPage, recordIdSchema, RecordView, userIdSchema } from '@shardline/records';
import { integerInRange, validate } from '@shardline/errors';

export const recordPathSchema = z.object({ business_id: businessIdSchema, id: recordIdSchema });
const pageQuerySchema = z.strictObject({
  business_id: businessIdSchema.optional(),
  user_id: userIdSchema.optional(),
  page_size: integerInRange(1, RecordLimits.pageMaxSize, { coerce: true }).default(20),
  cursor: z.string().max(200).optional(),
  page_num: integerInRange(1, Number.MAX_SAFE_INTEGER, { coerce: true }).optional(),
});

/**
 * Reads of /api/v1/data through the QueryBus: served by the api (read-your-writes on the shard)
 * and by the query-api (the same handlers over a cached reader).
 */
@Controller('api/v1/data')
export class RecordsReadHttpController {
  constructor(private readonly queries: QueryBus) {}

  // Declared before ':business_id/:id' so "page" is never taken for a business id.
  @Get('page')
  @HttpCode(200)
  async page(
    @Query() query: unknown,
    @Headers() headers: RequestContextHeaders,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordPage> {
    reply.header('x-correlation-id', correlationIdFrom(headers));
    const q = validate(pageQuerySchema, query);
    // A key limited to some businesses must name one of them (a page by user_id alone spans every business).
    assertBusinessNamed(caller, q.business_id);
    return this.queries.execute(new ListRecords({ businessId: q.business_id, userId: q.user_id }, q.page_size, q.cursor, q.page_num));
  }

  @Get(':business_id/:id')
  async get(
    @Param() params: unknown,
    @Headers() headers: RequestContextHeaders,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordView> {
    reply.header('x-correlation-id', correlationIdFrom(headers));
    const { business_id, id } = validate(recordPathSchema, params);
    assertInScope(caller, [{ businessId: business_id, field: 'business_id' }]);
    const record: RecordView = await this.queries.execute(new GetRecord(business_id, id));
    reply.header('etag', `"${record.version}"`);
    return record;
  }
}
