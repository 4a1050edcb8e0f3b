import { jsonBody, operation, type OpenApiObject } from '@shardline/http';
import { RecordLimits } from '@shardline/records';

const ID = '383188219820244992';
const exampleRecord = {
  id: ID,
  business_id: 'acme-eu',
  user_id: '42',
  data_content: { title: 'Invoice 7', amount: 120.5, tags: ['q4'] },
  version: 1,
  created_time: '2026-11-23T09:33:10.898Z',
  updated_time: '2026-11-23T09:33:10.898Z',
};
const exampleNewRecord = { business_id: 'acme-eu', user_id: '42', data_content: { title: 'Invoice 7', amount: 120.5, tags: ['q4'] } };

const businessId = {
  type: 'string',
  minLength: 1,
  maxLength: RecordLimits.businessIdMaxLength,
  description: `1..${RecordLimits.businessIdMaxLength} characters (code points), compared byte-exactly; no control characters, no unpaired surrogates`,
  example: 'acme-eu',
};
const int64String = (description: string) => ({ type: 'string', pattern: '^[1-9][0-9]{0,18}$', description, example: ID });
const dataContent = {
  type: 'object',
  description: `Any JSON object, at most ${RecordLimits.dataContentMaxBytes} bytes as UTF-8 JSON and ${RecordLimits.dataContentMaxDepth} levels deep (itself being level 1)`,
  example: exampleNewRecord.data_content,
};
const sagaAccepted = {
  type: 'object',
  required: ['saga_id', 'status', 'status_url'],
  properties: { saga_id: { type: 'string' }, status: { type: 'string', enum: ['running', 'completed'] }, status_url: { type: 'string', example: '/api/v1/sagas/01JD3Q7' } },
};

/** The records schemas the paths refer to. */
export const recordsOpenApiSchemas: Record<string, object> = {
  Record: {
    type: 'object',
    required: ['id', 'business_id', 'user_id', 'data_content', 'version', 'created_time', 'updated_time'],
    properties: {
      id: int64String('Snowflake id (64-bit, decimal string)'),
      business_id: businessId,
      user_id: int64String('Positive 64-bit integer as a decimal string'),
      data_content: dataContent,
      version: { type: 'integer', minimum: 1, description: 'Stream version; sent back as the ETag and accepted in If-Match' },
      created_time: { type: 'string', format: 'date-time' },
      updated_time: { type: 'string', format: 'date-time' },
    },
  },
  NewRecord: {
    type: 'object',
    required: ['business_id', 'user_id', 'data_content'],
    additionalProperties: false,
    properties: {
      business_id: businessId,
      user_id: { oneOf: [int64String('Positive 64-bit integer'), { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }], description: 'Positive 64-bit integer, number or decimal string' },
      data_content: dataContent,
    },
  },
  RecordPage: {
    type: 'object',
    required: ['data', 'page_size', 'next_cursor'],
    properties: {
      data: { type: 'array', items: { $ref: '#/components/schemas/Record' } },
      page_size: { type: 'integer' },
      next_cursor: { type: ['string', 'null'], description: 'Pass back as cursor for the next (older) page; null on the last page' },
    },
  },
  SagaAccepted: sagaAccepted,
  /** One entry per record, in request order. */
  BatchResult: {
    type: 'object',
    required: ['results', 'created', 'failed'],
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'status'],
          properties: {
            index: { type: 'integer' },
            status: { type: 'integer', enum: [201, 422, 500, 503] },
            id: { type: 'string' },
            version: { type: 'integer' },
            business_id: { type: 'string' },
            error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
      created: { type: 'integer' },
      failed: { type: 'integer' },
    },
  },
};

export const recordsOpenApiParameters: Record<string, object> = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
    description: 'Client-chosen command id (1..200 printable ASCII): a repeat answers the first response and writes nothing; another body under it is 422',
    example: 'order-7-create',
  },
  CorrelationId: {
    name: 'X-Correlation-Id',
    in: 'header',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    description: 'Echoed back and carried by every event the request causes; generated when absent',
  },
  BusinessId: { name: 'business_id', in: 'path', required: true, schema: businessId },
  RecordId: { name: 'id', in: 'path', required: true, schema: int64String('Record id') },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    schema: { type: 'string', pattern: '^(W/)?"?[1-9][0-9]{0,9}"?$' },
    example: '"3"',
    description: 'The version the client last saw (the ETag); 409 RECORD.VERSION_CONFLICT when the record is at another',
  },
  PreferAsync: {
    name: 'Prefer',
    in: 'header',
    schema: { type: 'string' },
    example: 'respond-async',
    description: 'respond-async: answer 202 with the status URL at once instead of waiting for the commit',
  },
};

const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const etag = { ETag: { description: 'The record version, for If-Match', schema: { type: 'string', example: '"1"' } } };
const location = { Location: { description: 'The status URL', schema: { type: 'string' } } };
const accepted = (what: string) => ({ description: `${what}; Location = status_url`, headers: location, ...jsonBody(ref('SagaAccepted'), { saga_id: '01JD3Q7', status: 'running', status_url: '/api/v1/sagas/01JD3Q7' }) });
const TAG = ['records'];

/** The read routes, served by the api (read-your-writes) and the query-api (cached). */
export function recordsReadOpenApiPaths(): Record<string, OpenApiObject> {
  return {
    '/api/v1/data/page': {
      get: operation({
        operationId: 'listRecords',
        tags: TAG,
        summary: 'Newest-first keyset pages by business_id and/or user_id',
        parameters: [
          { name: 'business_id', in: 'query', schema: businessId },
          { name: 'user_id', in: 'query', schema: int64String('Positive 64-bit integer') },
          { name: 'cursor', in: 'query', schema: { type: 'string', maxLength: 200 }, description: 'next_cursor of the previous page' },
          { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: RecordLimits.pageMaxSize, default: 20 } },
          { name: 'page_num', in: 'query', schema: { type: 'integer', minimum: 1 }, description: `Only while (page_num-1) × page_size ≤ ${RecordLimits.pageNumMaxOffset}; deeper pages follow next_cursor` },
          param('CorrelationId'),
        ],
        responses: { '200': { description: 'A page', ...jsonBody(ref('RecordPage'), { data: [exampleRecord], page_size: 20, next_cursor: null }) } },
        errors: [400],
      }),
    },
    '/api/v1/data/{business_id}/{id}': {
      get: operation({
        operationId: 'getRecord',
        tags: TAG,
        summary: 'Read a record (read-your-writes on the api)',
        parameters: [param('BusinessId'), param('RecordId'), param('CorrelationId')],
        responses: { '200': { description: 'The record', headers: etag, ...jsonBody(ref('Record'), exampleRecord) } },
        errors: [400, 404],
      }),
    },
  };
}

/** Every records route of the api: the writes, moves and erasures, and the reads. */
export function recordsOpenApiPaths(): Record<string, OpenApiObject> {
  const reads = recordsReadOpenApiPaths();
  return {
    '/api/v1/data/single': {
      post: operation({
        operationId: 'createRecord',
        tags: TAG,
        summary: 'Create one record',
        parameters: [param('IdempotencyKey'), param('CorrelationId')],
        requestBody: { required: true, ...jsonBody(ref('NewRecord'), exampleNewRecord) },
        responses: { '201': { description: 'Created', headers: etag, ...jsonBody(ref('Record'), exampleRecord) } },
        errors: [400, 413, 422],
      }),
    },
    '/api/v1/data/batch': {
      post: operation({
        operationId: 'createRecordsBatch',
        tags: TAG,
        summary: `Create up to ${RecordLimits.batchMaxRecords} records; one transaction per shard, shards in parallel`,
        description: 'A batch with any invalid record is refused whole (400/413 naming up to 100 bad fields as data[i].field); nothing is written.',
        parameters: [param('IdempotencyKey'), param('PreferAsync'), param('CorrelationId')],
        requestBody: {
          required: true,
          ...jsonBody(
            {
              type: 'object',
              required: ['data'],
              additionalProperties: false,
              properties: {
                data: { type: 'array', minItems: 1, maxItems: RecordLimits.batchMaxRecords, items: ref('NewRecord') },
                atomic: { type: 'boolean', description: 'All-or-nothing across shards, visible at once (the atomic-batch saga)' },
              },
            },
            { data: [exampleNewRecord], atomic: false },
          ),
        },
        responses: {
          '201': { description: 'All created (an atomic batch: committed, visible at once); per-record results', ...jsonBody(ref('BatchResult'), { results: [{ index: 0, status: 201, id: ID, version: 1, business_id: 'acme-eu' }], created: 1, failed: 0 }) },
          '202': accepted('Atomic batch accepted, not yet committed'),
          '207': { description: 'Some shard parts failed (their records carry status 503, 422 or 500); retry with the same Idempotency-Key', ...jsonBody(ref('BatchResult')) },
        },
        errors: [400, 413, 422, 501, 503],
      }),
    },
    '/api/v1/data/moves': {
      post: operation({
        operationId: 'moveRecords',
        tags: TAG,
        summary: `Move records to another business (the move-records saga), up to ${RecordLimits.moveMaxRecords}`,
        description:
          'Locked, copied with new ids, verified, switched at one commit point. 404 RECORD.NOT_FOUND names record_ids[i] not in the source business (MOVE.NOTHING_TO_MOVE: none at all); 409 MOVE.REFUSED: a source left the business or a copy did not match; 423 MOVE.SOURCES_LOCKED: another saga holds some sources; 503 MOVE.ABORTED. Nothing changes on any refusal.',
        parameters: [param('IdempotencyKey'), param('PreferAsync'), param('CorrelationId')],
        requestBody: {
          required: true,
          ...jsonBody(
            {
              type: 'object',
              required: ['from_business_id', 'to_business_id'],
              additionalProperties: false,
              properties: {
                from_business_id: businessId,
                to_business_id: { ...businessId, description: 'Another business (400 when the same)' },
                record_ids: { type: 'array', maxItems: RecordLimits.moveMaxRecords, items: int64String('Record id'), description: 'These records of the source business; absent: all it has' },
              },
            },
            { from_business_id: 'acme-eu', to_business_id: 'acme-us', record_ids: [ID] },
          ),
        },
        responses: {
          '201': {
            description: 'Switched: the copies are visible under the new business, the sources are gone',
            ...jsonBody({
              type: 'object',
              required: ['saga_id', 'from_business_id', 'to_business_id', 'moved', 'count'],
              properties: {
                saga_id: { type: 'string' },
                from_business_id: { type: 'string' },
                to_business_id: { type: 'string' },
                moved: { type: 'array', items: { type: 'object', properties: { from_id: { type: 'string' }, to_id: { type: 'string' } } } },
                count: { type: 'integer' },
              },
            }),
          },
          '202': accepted('Accepted, not yet switched'),
        },
        errors: [400, 404, 409, 413, 422, 423, 501, 503],
      }),
    },
    '/api/v1/users/{user_id}/erasure': {
      post: operation({
        operationId: 'eraseUser',
        tags: ['users'],
        summary: 'Erase a user everywhere (irreversible): data key forgotten, records deleted on every shard, read models scrubbed',
        parameters: [{ name: 'user_id', in: 'path', required: true, schema: int64String('Positive 64-bit integer') }, param('IdempotencyKey'), param('CorrelationId')],
        responses: { '202': accepted('Started (or found, under the same Idempotency-Key); the status URL ends with the report') },
        errors: [400, 422, 501],
      }),
    },
    '/api/v1/data/page': reads['/api/v1/data/page'],
    '/api/v1/data/{business_id}/{id}': {
      ...reads['/api/v1/data/{business_id}/{id}'],
      patch: operation({
        operationId: 'patchRecord',
        tags: TAG,
        summary: 'JSON merge patch (RFC 7386) of data_content',
        parameters: [param('BusinessId'), param('RecordId'), param('IfMatch'), param('IdempotencyKey'), param('CorrelationId')],
        requestBody: {
          required: true,
          content: Object.fromEntries(
            ['application/json', 'application/merge-patch+json'].map((type) => [
              type,
              {
                schema: { type: 'object', required: ['data_content'], additionalProperties: false, properties: { data_content: { type: 'object', description: 'Merged into data_content; null removes a key' } } },
                example: { data_content: { amount: 99, tags: null } },
              },
            ]),
          ),
        },
        responses: { '200': { description: 'The record after the patch', headers: etag, ...jsonBody(ref('Record'), { ...exampleRecord, version: 2 }) } },
        errors: [400, 404, 409, 413, 422, 423],
      }),
      delete: operation({
        operationId: 'deleteRecord',
        tags: TAG,
        summary: 'Delete a record',
        parameters: [param('BusinessId'), param('RecordId'), param('IfMatch'), param('IdempotencyKey'), param('CorrelationId')],
        responses: {
          '200': {
            description: 'Deleted; version is the one its RecordDeleted event took',
            headers: etag,
            ...jsonBody(
              { type: 'object', required: ['id', 'business_id', 'version', 'deleted'], properties: { id: { type: 'string' }, business_id: { type: 'string' }, version: { type: 'integer' }, deleted: { const: true } } },
              { id: ID, business_id: 'acme-eu', version: 2, deleted: true },
            ),
          },
        },
        errors: [400, 404, 409, 415, 422, 423],
      }),
    },
  };
}
