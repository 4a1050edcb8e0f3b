import { jsonBody, operation, type OpenApiObject } from '@shardline/http';
import { ROLES } from '../roles';

const keyView = {
  type: 'object',
  required: ['key_id', 'name', 'roles', 'business_prefixes', 'created_at', 'revoked_at'],
  properties: {
    key_id: { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'Public: the `actor` of the events the key causes' },
    name: { type: 'string', maxLength: 100 },
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
    business_prefixes: { type: ['array', 'null'], items: { type: 'string' }, description: 'null: every business' },
    created_at: { type: 'string', format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

export const apiKeysOpenApiSchemas: Record<string, object> = {
  ApiKeyView: keyView,
  NewApiKey: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'roles'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      roles: { type: 'array', minItems: 1, maxItems: ROLES.length, items: { type: 'string', enum: [...ROLES] } },
      business_prefixes: { type: ['array', 'null'], minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 64 }, default: null },
    },
  },
};

const example = { key_id: '3f2a9c0d1e4b5a6c', name: 'acme-writer', roles: ['writer'], business_prefixes: ['acme-'], created_at: '2026-12-02T09:00:00.000Z', revoked_at: null };
const view = { $ref: '#/components/schemas/ApiKeyView' };

/** /admin/keys (admin role): create, list and revoke API keys. */
export function apiKeysOpenApiPaths(): Record<string, OpenApiObject> {
  return {
    '/admin/keys': {
      post: operation({
        operationId: 'createApiKey',
        tags: ['admin'],
        summary: 'Create an API key; the token is in this answer only (stored as a scrypt hash)',
        requestBody: { required: true, ...jsonBody({ $ref: '#/components/schemas/NewApiKey' }, { name: 'acme-writer', roles: ['writer'], business_prefixes: ['acme-'] }) },
        responses: {
          '201': {
            description: 'The key and its token (`sl_<key id>_<secret>`)',
            ...jsonBody({ allOf: [view, { type: 'object', required: ['token'], properties: { token: { type: 'string' } } }] }, { ...example, token: 'sl_3f2a9c0d1e4b5a6c_…' }),
          },
        },
        errors: [],
      }),
      get: operation({
        operationId: 'listApiKeys',
        tags: ['admin'],
        summary: 'Every key, revoked ones included (never a secret)',
        responses: { '200': { description: 'The keys', ...jsonBody({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: view } } }, { data: [example] }) } },
        errors: [],
      }),
    },
    '/admin/keys/{key_id}/revoke': {
      post: operation({
        operationId: 'revokeApiKey',
        tags: ['admin'],
        summary: 'Revoke a key: refused everywhere within SHARDLINE_AUTH_CACHE_TTL_MS',
        parameters: [{ name: 'key_id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{16}$' }, example: example.key_id }],
        responses: {
          '200': {
            description: 'Revoked',
            ...jsonBody({ type: 'object', required: ['key_id', 'revoked'], properties: { key_id: { type: 'string' }, revoked: { const: true } } }, { key_id: example.key_id, revoked: true }),
          },
        },
        errors: [400, 404],
      }),
    },
  };
}
