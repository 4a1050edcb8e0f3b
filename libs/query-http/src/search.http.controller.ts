import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { validate } from '@shardline/errors';
import { assertBusinessNamed, CallerPrincipal, type Principal } from '@shardline/auth';
import { correlationIdFrom, RequestContextHeaders } from '@shardline/http';
import { RECORD_SEARCH, recordSearchQuerySchema, type RecordSearch, type RecordSearchItem } from '@shardline/read-models';
import { fromReadModel } from './read-model.errors';

export interface SearchResponse {
  data: RecordSearchItem[];
  page_size: number;
  next_cursor: string | null;
}

/** POST /api/v1/data/search: keyword + filters over the search read model (eventually consistent). */
@Controller('api/v1/data')
export class SearchHttpController {
  constructor(@Inject(RECORD_SEARCH) private readonly search: RecordSearch) {}

  @Post('search')
  @HttpCode(200)
  async searchRecords(
    @Body() body: unknown,
    @Headers() headers: RequestContextHeaders,
    @CallerPrincipal() caller: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SearchResponse> {
    reply.header('x-correlation-id', correlationIdFrom(headers));
    const query = validate(recordSearchQuerySchema, body ?? {});
    // A key limited to some businesses searches one of them at a time (business_id is an exact filter).
    assertBusinessNamed(caller, query.business_id);
    const page = await fromReadModel('SEARCH.UNAVAILABLE', () => this.search.searchRecords(query));
    return { data: page.items, page_size: query.page_size, next_cursor: page.next_cursor };
  }
}
