import { jsonBody, operation, type OpenApiObject } from '@shardline/http';
import { SAGA_STATUSES } from '@shardline/sagas';

const sagaId = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' }, example: '01JD3Q7' };
const sagaState = { $ref: '#/components/schemas/SagaState' };

export const sagasOpenApiSchemas: Record<string, object> = {
  SagaStatus: {
    type: 'object',
    required: ['saga_id', 'type', 'status', 'created_at', 'finished_at', 'result', 'error'],
    properties: {
      saga_id: { type: 'string' },
      type: { type: 'string', example: 'atomic-batch' },
      status: { type: 'string', enum: [...SAGA_STATUSES] },
      created_at: { type: 'string', format: 'date-time' },
      finished_at: { type: ['string', 'null'], format: 'date-time' },
      result: { description: 'Once completed: the answer (an atomic batch: its per-record results; an erasure: its report)' },
      error: {
        type: ['object', 'null'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, step: { type: ['string', 'null'] } },
      },
    },
  },
  SagaState: {
    type: 'object',
    description: 'Everything an operator sees: steps (attempts, continuations, start, finish, last error), failures, reason, a paused saga\'s pausedFrom/pausedAt, a continued step\'s progress',
    required: ['id', 'type', 'status', 'version', 'steps'],
    properties: {
      id: { type: 'string' },
      type: { type: 'string' },
      status: { type: 'string', enum: [...SAGA_STATUSES] },
      version: { type: 'integer' },
      cursor: { type: 'integer' },
      attempts: { type: 'integer' },
      pivotPassed: { type: 'boolean' },
      deadline: { type: 'string', format: 'date-time', description: 'Before the pivot, the saga compensates once this passed; a pause extends it by its length' },
      pausedFrom: { type: ['string', 'null'], enum: ['running', 'compensating', null], description: 'What a paused saga does again once resumed' },
      pausedAt: { type: ['string', 'null'], format: 'date-time' },
      progress: { type: ['object', 'null'], description: 'What the current step saved with continueLater: { step, action?, compensation? }' },
      continueAt: { type: ['string', 'null'], format: 'date-time', description: 'When the next run of a continued step is due' },
      reason: { type: ['object', 'null'] },
      steps: { type: 'array', items: { type: 'object' } },
      failures: { type: 'array', items: { type: 'object' } },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
};

/** The saga routes of the api: the status URL clients poll, and the operators' /admin/sagas. */
export function sagasOpenApiPaths(): Record<string, OpenApiObject> {
  const adminAction = (operationId: string, summary: string) =>
    operation({ operationId, tags: ['admin'], summary, parameters: [sagaId], responses: { '200': { description: 'The saga after the action', ...jsonBody(sagaState) } }, errors: [400, 404, 409] });
  return {
    '/api/v1/sagas/{id}': {
      get: operation({
        operationId: 'getSagaStatus',
        tags: ['sagas'],
        summary: 'Status of a saga (the status URL of a 202): status, result once completed, error once failed',
        parameters: [sagaId],
        responses: {
          '200': {
            description: 'The saga',
            ...jsonBody({ $ref: '#/components/schemas/SagaStatus' }, { saga_id: '01JD3Q7', type: 'atomic-batch', status: 'running', created_at: '2026-11-23T09:33:10.898Z', finished_at: null, result: null, error: null }),
          },
        },
        errors: [400, 404],
      }),
    },
    '/admin/sagas': {
      get: operation({
        operationId: 'listSagas',
        tags: ['admin'],
        summary: 'Sagas newest first',
        parameters: [
          { name: 'status', in: 'query', schema: { type: 'string', enum: [...SAGA_STATUSES] } },
          { name: 'type', in: 'query', schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,47}$' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'before', in: 'query', schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' }, description: 'next_before of the previous page' },
        ],
        responses: {
          '200': {
            description: 'A page of sagas',
            ...jsonBody({ type: 'object', required: ['data', 'next_before'], properties: { data: { type: 'array', items: { type: 'object' } }, next_before: { type: ['string', 'null'] } } }),
          },
        },
        errors: [400],
      }),
    },
    '/admin/sagas/{id}': {
      get: operation({ operationId: 'inspectSaga', tags: ['admin'], summary: 'A saga with its steps, timings and failures', parameters: [sagaId], responses: { '200': { description: 'The saga', ...jsonBody(sagaState) } }, errors: [400, 404] }),
    },
    '/admin/sagas/{id}/retry': { post: adminAction('retrySaga', 'Resume a parked saga (409 SAGA.ILLEGAL_STATE otherwise)') },
    '/admin/sagas/{id}/abort': { post: adminAction('abortSaga', 'Compensate a saga before its pivot (also a paused one), or give up a parked one (409 SAGA.ILLEGAL_STATE otherwise)') },
    '/admin/sagas/{id}/pause': {
      post: adminAction('pauseSaga', 'Stop a running or compensating saga after its current step run; jobs delivered meanwhile do nothing (409 SAGA.ILLEGAL_STATE otherwise)'),
    },
    '/admin/sagas/{id}/resume': {
      post: adminAction('resumeSaga', 'Go on with a paused saga where it was, its deadline extended by the pause (409 SAGA.ILLEGAL_STATE otherwise)'),
    },
  };
}
