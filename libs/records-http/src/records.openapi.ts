import { z } from 'zod';
import { newRecordSchema, patchSchema, RecordLimits } from '@shardline/records';

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', example: 'VALIDATION_FAILED' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};
const recordSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Snowflake id (64-bit, decimal string)' },
    business_id: { type: 'string' },
    user_id: { type: 'string' },
    data_content: { type: 'object' },
    version: { type: 'integer' },
    created_time: { type: 'string', format: 'date-time' },
    updated_time: { type: 'string', format: 'date-time' },
  },
};
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: String(c), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 200 }, description: 'Repeat with the same key: first response, nothing written' };
const pathParams = [
  { name: 'business_id', in: 'path', required: true, schema: { type: 'string', maxLength: RecordLimits.businessIdMaxLength } },
  { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
];
const ifMatch = { name: 'If-Match', in: 'header', schema: { type: 'string', example: '"3"' }, description: 'Expected version; 409 if different' };

/** OpenAPI 3.1 document of the records API (request schemas generated from the zod schemas). */
export function recordsOpenApiDocument(): Record<string, unknown> {
  const newRecord = z.toJSONSchema(newRecordSchema, { io: 'input', unrepresentable: 'any' });
  return {
    openapi: '3.1.0',
    info: { title: 'Shardline records API', version: '1.0.0' },
    components: { schemas: { Error: errorSchema, Record: recordSchema, NewRecord: newRecord }, securitySchemes: { bearer: BEARER_SCHEME } },
    // Every operation needs an API key (README "Security": roles per route; 401 without one, 403 for a role or scope that does not allow it).
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/data/single': {
        post: {
          summary: 'Create one record',
          parameters: [idempotencyKey],
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/NewRecord' }) },
          responses: { '201': { description: 'created', ...json({ $ref: '#/components/schemas/Record' }) }, ...errors(400, 413, 422, 503) },
        },
      },
      '/api/v1/data/batch': {
        post: {
          summary: `Create up to ${RecordLimits.batchMaxRecords} records; one transaction per shard, shards in parallel`,
          parameters: [
            idempotencyKey,
            { name: 'Prefer', in: 'header', schema: { type: 'string', example: 'respond-async' }, description: 'atomic batches: answer 202 with the status URL at once' },
          ],
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              required: ['data'],
              properties: {
                data: { type: 'array', maxItems: RecordLimits.batchMaxRecords, items: { $ref: '#/components/schemas/NewRecord' } },
                atomic: { type: 'boolean', description: 'all-or-nothing across shards, visible at once (the atomic-batch saga)' },
              },
            }),
          },
          responses: {
            '201': { description: 'all created (an atomic batch: committed, visible at once); per-record results' },
            '202': { description: 'atomic batch accepted, not yet committed: {saga_id, status, status_url}; Location = status_url' },
            '207': { description: 'some parts failed (their records carry status 503, 422 or 500); retry with the same Idempotency-Key' },
            ...errors(400, 413, 422, 501, 503),
          },
        },
      },
      '/api/v1/data/moves': {
        post: {
          summary: `Move records to another business, on any shard (the move-records saga): locked, copied with new ids, verified, switched at one commit point; up to ${RecordLimits.moveMaxRecords} records`,
          parameters: [
            idempotencyKey,
            { name: 'Prefer', in: 'header', schema: { type: 'string', example: 'respond-async' }, description: 'answer 202 with the status URL at once' },
          ],
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              required: ['from_business_id', 'to_business_id'],
              properties: {
                from_business_id: { type: 'string', maxLength: RecordLimits.businessIdMaxLength },
                to_business_id: { type: 'string', maxLength: RecordLimits.businessIdMaxLength, description: 'another business (400 when the same)' },
                record_ids: { type: 'array', maxItems: RecordLimits.moveMaxRecords, items: { type: 'string' }, description: 'these records of the source business; absent: all it has' },
              },
            }),
          },
          responses: {
            '201': { description: 'switched: the copies are visible under the new business, the sources are gone; {saga_id, from_business_id, to_business_id, moved: [{from_id, to_id}], count}' },
            '202': { description: 'accepted, not yet switched: {saga_id, status, status_url}; Location = status_url' },
            '404': { description: 'RECORD.NOT_FOUND naming record_ids[i] not in the source business, or MOVE.NOTHING_TO_MOVE', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
            '409': { description: 'MOVE.REFUSED: a source left the business, or a copy did not match; nothing changed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
            '423': { description: 'MOVE.SOURCES_LOCKED: another saga holds some of the sources (named); nothing changed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
            '503': { description: 'MOVE.ABORTED: the move could not be carried out; nothing changed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
            ...errors(400, 413, 422, 501),
          },
        },
      },
      '/api/v1/users/{user_id}/erasure': {
        post: {
          summary: "Erase a user everywhere (irreversible): their data key is forgotten, their records deleted on every shard, the read models scrubbed",
          parameters: [{ name: 'user_id', in: 'path', required: true, schema: { type: 'string' } }, idempotencyKey],
          responses: { '202': { description: '{saga_id, status, status_url}; Location = status_url, whose result is the report' }, ...errors(400, 422, 501, 503) },
        },
      },
      '/api/v1/sagas/{id}': {
        get: {
          summary: 'Status of a saga (the status URL of a 202): status, result once completed, error once failed',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: '{saga_id, type, status, created_at, finished_at, result, error}' }, ...errors(400, 404) },
        },
      },
      '/api/v1/data/page': {
        get: {
          summary: 'Newest-first keyset pages by business_id and/or user_id',
          parameters: ['business_id', 'user_id', 'cursor'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })).concat([
            { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: RecordLimits.pageMaxSize } as never },
            { name: 'page_num', in: 'query', schema: { type: 'integer', minimum: 1 } as never },
          ]),
          responses: { '200': { description: '{ data, page_size, next_cursor }' }, ...errors(400, 503) },
        },
      },
      '/api/v1/data/{business_id}/{id}': {
        get: { summary: 'Read a record (read-your-writes)', parameters: pathParams, responses: { '200': json({ $ref: '#/components/schemas/Record' }), ...errors(400, 404, 503) } },
        patch: {
          summary: 'JSON merge patch of data_content',
          parameters: [...pathParams, ifMatch, idempotencyKey],
          requestBody: { required: true, ...json(z.toJSONSchema(patchSchema, { io: 'input', unrepresentable: 'any' })) },
          responses: { '200': json({ $ref: '#/components/schemas/Record' }), ...errors(400, 404, 409, 413, 422, 423, 503) },
        },
        delete: { summary: 'Delete a record', parameters: [...pathParams, ifMatch, idempotencyKey], responses: { '200': { description: 'deleted' }, ...errors(400, 404, 409, 423, 503) } },
      },
    },
  };
}

/** API keys (`sl_<key id>_<secret>`) sent as `Authorization: Bearer …` (libs/auth). */
export const BEARER_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'sl_<key id>_<secret>',
  description: 'An API key with the roles the operation needs (writer, reader, analyst, admin), optionally limited to business_id prefixes. 401 AUTH.KEY_MISSING / AUTH.KEY_INVALID / AUTH.KEY_REVOKED; 403 AUTH.ROLE_REQUIRED / AUTH.OUT_OF_SCOPE.',
} as const;
