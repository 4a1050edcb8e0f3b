import { z } from 'zod';
import { BEARER_SCHEME, recordsOpenApiDocument } from '@shardline/records-http';
import { recordSearchQuerySchema } from '@shardline/read-models';

const dateParam = (name: 'from' | 'to') => ({ name, in: 'query', required: true, schema: { type: 'string', format: 'date' }, description: `UTC day, inclusive (${name})` });
const query = (name: string, schema: object, description?: string) => ({ name, in: 'query', schema, ...(description ? { description } : {}) });
const businessFilter = query('business_id', { type: 'string', maxLength: 64 });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: String(c), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));
const analytics = (summary: string, parameters: object[]) => ({
  get: { summary, parameters: [dateParam('from'), dateParam('to'), ...parameters], responses: { '200': { description: 'aggregates (JSON)' }, ...errors(400, 503) } },
});

/** OpenAPI 3.1 document of the query API: the records read routes, search and analytics. */
export function queryOpenApiDocument(): Record<string, unknown> {
  const records = recordsOpenApiDocument() as { components: object; paths: Record<string, Record<string, unknown>> };
  return {
    openapi: '3.1.0',
    info: { title: 'Shardline query API', version: '1.0.0' },
    components: { ...records.components, securitySchemes: { bearer: BEARER_SCHEME } },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/data/page': records.paths['/api/v1/data/page'],
      '/api/v1/data/{business_id}/{id}': { get: records.paths['/api/v1/data/{business_id}/{id}'].get },
      '/api/v1/data/search': {
        post: {
          summary: 'Keyword over data_content plus filters (Elasticsearch; eventually consistent, typically < 1 s behind writes)',
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(recordSearchQuerySchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '200': { description: '{ data: [record + score], page_size, next_cursor } — pass next_cursor as search_after' }, ...errors(400, 503) },
        },
      },
      '/api/v1/analytics/records-per-day': analytics('Records created/updated/deleted, events and active users per business per day', [
        businessFilter,
        query('limit', { type: 'integer', minimum: 1, maximum: 10000, default: 1000 }),
      ]),
      '/api/v1/analytics/hot-businesses': analytics('Busiest business ids over the range', [
        query('by', { type: 'string', enum: ['events', 'records_created'], default: 'events' }),
        query('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 10 }),
      ]),
      '/api/v1/analytics/growth': analytics('Records created/deleted per day, week or month, with cumulative sums', [
        query('interval', { type: 'string', enum: ['day', 'week', 'month'], default: 'day' }),
        businessFilter,
      ]),
      '/api/v1/analytics/active-users': analytics('Distinct users per day and over the whole range', [businessFilter]),
    },
  };
}
