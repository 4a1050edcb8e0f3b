/**
 * The parts every OpenAPI document of the HTTP apps shares: the error envelope, one response per
 * error status (with an example of its code), the bearer security scheme, the server and the
 * document's frame. Documents are plain objects (OpenAPI 3.1), linted by `redocly lint` in
 * `npm test` (test/api/openapi-lint.int.spec.ts).
 */

export type OpenApiObject = Record<string, unknown>;

/** Error statuses the apps answer, each with the response component that documents it. */
const ERROR_RESPONSES = {
  400: { name: 'BadRequest', description: 'Malformed input: every bad field named in details (a body that is not JSON: INVALID_JSON)', code: 'VALIDATION_FAILED', field: 'business_id', message: 'must be 1..64 characters' },
  401: { name: 'Unauthorized', description: 'No API key, or one that is not known', code: 'AUTH.KEY_MISSING', field: 'Authorization', message: 'send Authorization: Bearer <key>' },
  403: { name: 'Forbidden', description: "The key's roles or business scope do not allow this request", code: 'AUTH.ROLE_REQUIRED', field: 'Authorization', message: 'this key may not do this' },
  404: { name: 'NotFound', description: 'Nothing there (a deleted record included)', code: 'RECORD.NOT_FOUND', field: 'id', message: 'no such record' },
  409: { name: 'Conflict', description: 'The state changed under the request (If-Match version, saga state): nothing was written', code: 'RECORD.VERSION_CONFLICT', field: 'If-Match', message: 'expected version 2, the record is at 3' },
  413: { name: 'PayloadTooLarge', description: 'Over a documented limit (body, data_content, records per batch or move), naming the field', code: 'RECORD.TOO_LARGE', field: 'data_content', message: 'is 70000 bytes of JSON; the limit is 65536' },
  415: { name: 'UnsupportedMediaType', description: 'A body that is not application/json (or application/merge-patch+json for PATCH)', code: 'UNSUPPORTED_MEDIA_TYPE', field: undefined, message: 'send application/json' },
  422: { name: 'Unprocessable', description: 'Well-formed but refused: an Idempotency-Key reused with another body, or a user already erased', code: 'IDEMPOTENCY_KEY.REUSED', field: 'Idempotency-Key', message: 'was used with another request' },
  423: { name: 'Locked', description: 'A saga (a move, an atomic batch) holds the record; retry later', code: 'RECORD.LOCKED', field: 'id', message: 'locked by a saga' },
  431: { name: 'HeadersTooLarge', description: 'The request line and headers exceed 16 KiB (answered before routing)', code: 'HEADERS_TOO_LARGE', field: '(headers)', message: 'the request line and headers exceed 16 KiB' },
  429: { name: 'TooManyRequests', description: "Over the key's rate limit; retry after Retry-After seconds", code: 'RATE_LIMIT.EXCEEDED', field: undefined, message: 'slow down' },
  501: { name: 'NotImplemented', description: 'A capability this process does not run (sagas off: atomic batches, moves, erasure)', code: 'NOT_IMPLEMENTED', field: 'atomic', message: 'needs the saga runtime' },
  503: { name: 'Unavailable', description: 'A dependency cannot answer now, the process is overloaded or shutting down: nothing was written; retry after Retry-After with the same Idempotency-Key', code: 'EVENT_STORE.SHARD_UNAVAILABLE', field: undefined, message: 'shard 2 is unavailable' },
} as const;

export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** Every request may be refused by authentication, rate limiting, its size before routing, and a closing or overloaded process. */
const ALWAYS: ErrorStatus[] = [401, 403, 429, 431, 503];
/** Requests with a body may also be refused for its type or size before any handler runs. */
const WITH_BODY: ErrorStatus[] = [400, 413, 415];

/** API keys (`sl_<key id>_<secret>`) sent as `Authorization: Bearer …` (libs/auth). */
export const BEARER_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'sl_<key id>_<secret>',
  description:
    'An API key with the roles the operation needs (writer, reader, analyst, admin), optionally limited to business_id prefixes. 401 AUTH.KEY_MISSING / AUTH.KEY_INVALID / AUTH.KEY_REVOKED; 403 AUTH.ROLE_REQUIRED / AUTH.OUT_OF_SCOPE.',
} as const;

export const errorEnvelopeSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'Stable, machine-readable (e.g. VALIDATION_FAILED, RECORD.NOT_FOUND)' },
        message: { type: 'string' },
        details: {
          type: 'array',
          description: 'The bad fields (400, 413, 501): a JSON path such as data[3].data_content, a header name, or (body)',
          items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};

const retryAfter = { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } };

function errorResponse(status: ErrorStatus): OpenApiObject {
  const { description, code, field, message } = ERROR_RESPONSES[status];
  const example = { error: { code, message: field ? `${field}: ${message}` : message, details: field ? [{ field, message }] : [] } };
  return {
    description,
    ...(status === 429 || status === 503 ? { headers: { 'Retry-After': retryAfter } } : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example } },
  };
}

/** A JSON response or request body with its schema and an example. */
export function jsonBody(schema: object, example?: unknown): OpenApiObject {
  return { content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } } };
}

export interface OperationSpec {
  operationId: string;
  summary: string;
  tags: string[];
  description?: string;
  parameters?: object[];
  requestBody?: OpenApiObject;
  /** The success answers. */
  responses: Record<string, OpenApiObject>;
  /** The error statuses this operation itself gives (those of every request, and of any body, are added). */
  errors: ErrorStatus[];
}

/** An operation object: its successes, then one $ref per error status it can answer, in order. */
export function operation(spec: OperationSpec): OpenApiObject {
  const { errors, responses, ...rest } = spec;
  const statuses = new Set<ErrorStatus>([...errors, ...(spec.requestBody ? WITH_BODY : []), ...ALWAYS]);
  const errorRefs = [...statuses].sort((a, b) => a - b).map((s) => [String(s), refOf(s)]);
  return { ...rest, responses: { ...responses, ...Object.fromEntries(errorRefs) } };
}

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];
const refOf = (status: ErrorStatus) => ({ $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` });

/** A write without a documented body may still be sent one: its type (415), size (413) and JSON (400) are checked first. */
function withBodyRefusals(op: OpenApiObject): OpenApiObject {
  const responses = { ...(op.responses as Record<string, unknown>) };
  for (const status of WITH_BODY) responses[String(status)] ??= refOf(status);
  return { ...op, responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))) };
}

export interface OpenApiDocumentSpec {
  title: string;
  description: string;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, OpenApiObject>;
  /** Schemas the paths $ref, besides Error. */
  schemas: Record<string, object>;
  parameters?: Record<string, object>;
}

/**
 * The whole document: servers relative to where it is served, the bearer scheme required on every
 * operation that does not opt out, and only the error responses its operations use.
 */
export function openApiDocument(spec: OpenApiDocumentSpec): OpenApiObject {
  for (const item of Object.values(spec.paths)) for (const method of WRITE_METHODS) if (item[method]) item[method] = withBodyRefusals(item[method] as OpenApiObject);
  const used = new Set(JSON.stringify(spec.paths).match(/#\/components\/responses\/[A-Za-z]+/g) ?? []);
  const responses = Object.fromEntries(
    (Object.keys(ERROR_RESPONSES).map(Number) as ErrorStatus[])
      .filter((s) => used.has(`#/components/responses/${ERROR_RESPONSES[s].name}`))
      .map((s) => [ERROR_RESPONSES[s].name, errorResponse(s)]),
  );
  return {
    openapi: '3.1.0',
    info: { title: spec.title, version: '1.0.0', description: spec.description, license: { name: 'UNLICENSED', identifier: 'UNLICENSED' } },
    servers: [{ url: '/', description: 'the server this document is served from' }],
    security: [{ bearer: [] }],
    tags: spec.tags,
    paths: spec.paths,
    components: {
      securitySchemes: { bearer: BEARER_SCHEME },
      schemas: { Error: errorEnvelopeSchema, ...spec.schemas },
      responses,
      ...(spec.parameters ? { parameters: spec.parameters } : {}),
    },
  };
}

