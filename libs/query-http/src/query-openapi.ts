import { z } from 'zod';
import { jsonBody, openApiDocument, operation, type OpenApiObject } from '@shardline/http';
import { recordsOpenApiParameters, recordsOpenApiSchemas, recordsReadOpenApiPaths } from '@shardline/records-http';
import { MAX_RANGE_DAYS, recordSearchQuerySchema } from '@shardline/read-models';
import { RecordLimits } from '@shardline/records';

const dateParam = (name: 'from' | 'to') => ({
  name,
  in: 'query',
  required: true,
  schema: { type: 'string', format: 'date' },
  example: name === 'from' ? '2026-11-01' : '2026-11-30',
  description: `UTC day, inclusive; from ≤ to, at most ${MAX_RANGE_DAYS} days`,
});
const query = (name: string, schema: object, description?: string) => ({ name, in: 'query', schema, ...(description ? { description } : {}) });
const businessFilter = query('business_id', { type: 'string', minLength: 1, maxLength: RecordLimits.businessIdMaxLength });
const int = { type: 'integer' };
const day = { type: 'string', format: 'date' };
const rows = (key: string, row: Record<string, object>, extra: Record<string, object> = {}) => ({
  type: 'object',
  required: ['from', 'to', key, ...Object.keys(extra)],
  properties: { from: day, to: day, ...extra, [key]: { type: 'array', items: { type: 'object', required: Object.keys(row), properties: row } } },
});
const analytics = (operationId: string, summary: string, parameters: object[], schema: object, example: unknown) => ({
  get: operation({
    operationId,
    tags: ['analytics'],
    summary,
    description: '503 ANALYTICS.UNAVAILABLE when ClickHouse cannot answer.',
    parameters: [dateParam('from'), dateParam('to'), ...parameters],
    responses: { '200': { description: 'Aggregates', ...jsonBody(schema, example) } },
    errors: [400],
  }),
});

/** The search body schema, from the zod schema the route validates with ($schema dropped: the document's dialect applies). */
function searchBodySchema(): object {
  const { $schema: _, ...schema } = z.toJSONSchema(recordSearchQuerySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}

/** OpenAPI 3.1 document of the query API (served at /api/v1/openapi.json): the records read routes, search and analytics. */
export function queryOpenApiDocument(): OpenApiObject {
  const { Record, RecordPage } = recordsOpenApiSchemas;
  const { BusinessId, RecordId, CorrelationId } = recordsOpenApiParameters;
  return openApiDocument({
    title: 'Shardline query API',
    description: 'Cached reads of records, search (Elasticsearch) and analytics (ClickHouse); eventually consistent, typically < 1 s behind writes. Every error is { error: { code, message, details[] } }.',
    tags: [
      { name: 'records', description: 'Reads by id and pages' },
      { name: 'search', description: 'Keyword and filters over data_content' },
      { name: 'analytics', description: 'Aggregates per day, business and user' },
    ],
    paths: {
      ...recordsReadOpenApiPaths(),
      '/api/v1/data/search': {
        post: operation({
          operationId: 'searchRecords',
          tags: ['search'],
          summary: 'Keyword over data_content plus filters (eventually consistent)',
          description: 'Pass next_cursor back as search_after (same sort). 400 SEARCH.INVALID_QUERY for a foreign cursor; 503 SEARCH.UNAVAILABLE when Elasticsearch cannot answer.',
          parameters: [{ $ref: '#/components/parameters/CorrelationId' }],
          requestBody: { required: true, ...jsonBody(searchBodySchema(), { keyword: 'invoice', business_id: 'acme-eu', sort: 'relevance', page_size: 20 }) },
          responses: {
            '200': {
              description: 'A page of matches',
              ...jsonBody({
                type: 'object',
                required: ['data', 'page_size', 'next_cursor'],
                properties: {
                  data: { type: 'array', items: { allOf: [{ $ref: '#/components/schemas/Record' }, { type: 'object', properties: { score: { type: ['number', 'null'] } } }] } },
                  page_size: { type: 'integer' },
                  next_cursor: { type: ['string', 'null'] },
                },
              }),
            },
          },
          errors: [400],
        }),
      },
      '/api/v1/analytics/records-per-day': analytics(
        'recordsPerDay',
        'Records created/updated/deleted, events and active users per business per day',
        [businessFilter, query('limit', { type: 'integer', minimum: 1, maximum: 10000, default: 1000 })],
        rows('rows', { business_id: { type: 'string' }, day, records_created: int, records_updated: int, records_deleted: int, events: int, active_users: int }, { truncated: { type: 'boolean', description: 'more rows than limit' } }),
        { from: '2026-11-01', to: '2026-11-30', rows: [{ business_id: 'acme-eu', day: '2026-11-01', records_created: 3, records_updated: 1, records_deleted: 0, events: 4, active_users: 2 }], truncated: false },
      ),
      '/api/v1/analytics/hot-businesses': analytics(
        'hotBusinesses',
        'Busiest business ids over the range',
        [query('by', { type: 'string', enum: ['events', 'records_created'], default: 'events' }), query('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 10 })],
        rows('businesses', { business_id: { type: 'string' }, events: int, records_created: int }, { by: { type: 'string', enum: ['events', 'records_created'] } }),
        { from: '2026-11-01', to: '2026-11-30', by: 'events', businesses: [{ business_id: 'acme-eu', events: 120, records_created: 40 }] },
      ),
      '/api/v1/analytics/growth': analytics(
        'growth',
        'Records created/deleted per day, week or month, with cumulative sums',
        [query('interval', { type: 'string', enum: ['day', 'week', 'month'], default: 'day' }), businessFilter],
        rows('buckets', { period_start: day, records_created: int, records_deleted: int, net: int, cumulative_created: int, cumulative_net: int }, { interval: { type: 'string', enum: ['day', 'week', 'month'] } }),
        { from: '2026-11-01', to: '2026-11-30', interval: 'day', buckets: [{ period_start: '2026-11-01', records_created: 3, records_deleted: 0, net: 3, cumulative_created: 3, cumulative_net: 3 }] },
      ),
      '/api/v1/analytics/active-users': analytics(
        'activeUsers',
        'Distinct users per day (exact) and over the whole range (estimated: standard error 0.8 %, within 2 %; or exact with total=exact)',
        [
          businessFilter,
          query(
            'total',
            { type: 'string', enum: ['estimate', 'exact'], default: 'estimate' },
            'estimate: merged per-day sketches (standard error 0.8 %), the same cost at any size; exact: every (user, day) of the range counted, the cost grows with the data',
          ),
        ],
        rows('days', { day, active_users: int }, { total_active_users: int, total_method: { type: 'string', enum: ['estimate', 'exact'] } }),
        { from: '2026-11-01', to: '2026-11-30', days: [{ day: '2026-11-01', active_users: 2 }], total_active_users: 2, total_method: 'estimate' },
      ),
    },
    schemas: { Record, RecordPage },
    parameters: { BusinessId, RecordId, CorrelationId },
  });
}
