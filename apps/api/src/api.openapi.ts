import { apiKeysOpenApiPaths, apiKeysOpenApiSchemas } from '@shardline/auth';
import { openApiDocument, type OpenApiObject } from '@shardline/http';
import { recordsOpenApiParameters, recordsOpenApiPaths, recordsOpenApiSchemas } from '@shardline/records-http';
import { sagasOpenApiPaths, sagasOpenApiSchemas } from '@shardline/sagas-http';
import { slotMovesOpenApiPaths, slotMovesOpenApiSchemas } from '@shardline/slot-moves-http';

/** OpenAPI 3.1 document of the api (served at /api/v1/openapi.json, linted by `redocly lint` in npm test). */
export function apiOpenApiDocument(): OpenApiObject {
  return openApiDocument({
    title: 'Shardline records API',
    description: 'Writes and read-your-writes reads of business records on the sharded event store, sagas (atomic batches, moves, erasure) and their operators. Every error is { error: { code, message, details[] } }.',
    tags: [
      { name: 'records', description: 'Create, read, patch, delete and move records' },
      { name: 'users', description: 'What concerns a user across every business' },
      { name: 'sagas', description: 'Status URLs of 202 answers' },
      { name: 'admin', description: 'Operators (admin role): list, inspect, retry and abort sagas; follow, pause, resume and abort slot moves; create, list and revoke API keys' },
    ],
    paths: { ...recordsOpenApiPaths(), ...sagasOpenApiPaths(), ...slotMovesOpenApiPaths(), ...apiKeysOpenApiPaths() },
    schemas: { ...recordsOpenApiSchemas, ...sagasOpenApiSchemas, ...slotMovesOpenApiSchemas, ...apiKeysOpenApiSchemas },
    parameters: recordsOpenApiParameters,
  });
}
