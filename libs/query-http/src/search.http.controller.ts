import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { correlationIdFrom, RequestContextHeaders } from '@shardline/http';
import { businessIdSchema, userIdSchema, validate } from '@shardline/records';
import { MAX_SEARCH_PAGE_SIZE, RECORD_SEARCH, type RecordSearch, type RecordSearchItem } from '@shardline/projection-elasticsearch';
import { translateReadModelError } from './query-errors';

const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO 8601 date or date-time' });

export const searchBodySchema = z
  .strictObject({
    keyword: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    business_id: businessIdSchema.optional(),
    user_id: userIdSchema.optional(),
    date_range: z
      .strictObject({ from: instant.optional(), to: instant.optional() }, { error: 'must be an object {from, to}' })
      .refine((r) => !r.from || !r.to || Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] })
      .optional(),
    sort: z.enum(['created_time_desc', 'created_time_asc', 'relevance']).default('created_time_desc'),
    page_size: z.number({ error: 'must be a number' }).int('must be an integer').min(1).max(MAX_SEARCH_PAGE_SIZE).default(20),
    search_after: z.string({ error: 'must be a string' }).min(1).max(2048).optional(),
  })
  .refine((b) => b.sort !== 'relevance' || b.keyword !== undefined, { message: 'sort relevance needs a keyword', path: ['sort'] });

export interface SearchResponse {
  data: RecordSearchItem[];
  page_size: number;
  next_cursor: string | null;
}

/** POST /api/v1/data/search: keyword + filters over the Elasticsearch read model (eventually consistent). */
@Controller('api/v1/data')
export class SearchHttpController {
  constructor(@Inject(RECORD_SEARCH) private readonly search: RecordSearch) {}

  @Post('search')
  @HttpCode(200)
  async searchRecords(@Body() body: unknown, @Headers() headers: RequestContextHeaders, @Res({ passthrough: true }) reply: FastifyReply): Promise<SearchResponse> {
    reply.header('x-correlation-id', correlationIdFrom(headers));
    const q = validate(searchBodySchema, body ?? {});
    try {
      const page = await this.search.searchRecords({ ...q, date_range: q.date_range && { from: q.date_range.from, to: q.date_range.to } });
      return { data: page.items, page_size: q.page_size, next_cursor: page.next_cursor };
    } catch (error) {
      throw translateReadModelError(error, 'SEARCH.UNAVAILABLE');
    }
  }
}
