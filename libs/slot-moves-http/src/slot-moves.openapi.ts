import { jsonBody, operation, type OpenApiObject } from '@shardline/http';
import { SLOT_MOVE_STAGES } from '@shardline/slot-moves';

const moveId = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' }, example: 'm20261203101500-a1b2c3' };
const nullableInteger = { type: ['integer', 'null'] };

export const slotMovesOpenApiSchemas: Record<string, object> = {
  SlotMoveStatus: {
    type: 'object',
    description: 'A slot move as `ops-cli slots status --json` prints it: per group of slots (one saga each) its stages, copy progress, lag, rate and ETA',
    required: ['move_id', 'status', 'created', 'options', 'groups_done', 'rows_copied', 'rows_per_s', 'eta_s', 'groups'],
    properties: {
      move_id: { type: 'string' },
      status: { type: 'string', enum: ['open', 'finished'] },
      created: { type: 'string', format: 'date-time' },
      options: { type: 'object', description: 'What the move was planned with (request, group size, parallel, pause, behind threshold, map version, rows per slot of each source)' },
      groups_done: { type: 'integer' },
      rows_copied: { type: 'integer' },
      rows_per_s: { ...nullableInteger, description: 'Sum of the running groups\' copy rates' },
      eta_s: { ...nullableInteger, description: 'Seconds until every group has copied and caught up (0: only cutovers and hand-offs left; null: unknown yet)' },
      groups: {
        type: 'array',
        items: {
          type: 'object',
          required: ['group', 'from_shard', 'to_shard', 'slots', 'stages', 'rows_copied', 'rows_behind', 'rows_expected', 'rows_left', 'rows_per_s', 'eta_s', 'saga', 'updated'],
          properties: {
            group: { type: 'integer' },
            from_shard: { type: 'integer' },
            to_shard: { type: 'integer' },
            slots: { type: 'integer' },
            stages: { type: 'object', description: 'Slots per stage', propertyNames: { enum: [...SLOT_MOVE_STAGES] }, additionalProperties: { type: 'integer' } },
            rows_copied: { type: 'integer' },
            rows_behind: { ...nullableInteger, description: 'Source rows above the catch-up cursor (the lag)' },
            rows_expected: { ...nullableInteger, description: 'Estimate at planning: the source\'s rows per slot × slots' },
            rows_left: nullableInteger,
            rows_per_s: nullableInteger,
            eta_s: nullableInteger,
            saga: { type: 'string', description: 'The group\'s saga status, `missing` if none' },
            updated: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  },
  SlotMoveActionResult: {
    type: 'object',
    required: ['move_id', 'action', 'groups'],
    properties: {
      move_id: { type: 'string' },
      action: { type: 'string', enum: ['pause', 'resume', 'abort'] },
      groups: {
        type: 'array',
        description: 'Per group: its saga status after the action, or why its saga refused it (e.g. an abort after the group\'s flip)',
        items: { type: 'object', required: ['group'], properties: { group: { type: 'integer' }, status: { type: 'string' }, refused: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
      },
    },
  },
};

/** The operators' /admin/slot-moves routes of the api. */
export function slotMovesOpenApiPaths(): Record<string, OpenApiObject> {
  const action = (operationId: string, summary: string) =>
    operation({
      operationId,
      tags: ['admin'],
      summary,
      parameters: [moveId],
      responses: { '200': { description: 'Each group\'s outcome', ...jsonBody({ $ref: '#/components/schemas/SlotMoveActionResult' }) } },
      errors: [400, 404, 409],
    });
  return {
    '/admin/slot-moves': {
      get: operation({
        operationId: 'listSlotMoves',
        tags: ['admin'],
        summary: 'Slot moves newest first, with progress and ETA (open ones by default)',
        parameters: [
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'finished', 'all'], default: 'open' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        ],
        responses: {
          '200': { description: 'The moves', ...jsonBody({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: { $ref: '#/components/schemas/SlotMoveStatus' } } } }) },
        },
        errors: [400],
      }),
    },
    '/admin/slot-moves/{id}': {
      get: operation({ operationId: 'getSlotMove', tags: ['admin'], summary: 'One slot move: per group stages, rows copied and behind, rate, ETA, saga', parameters: [moveId], responses: { '200': { description: 'The move', ...jsonBody({ $ref: '#/components/schemas/SlotMoveStatus' }) } }, errors: [400, 404] }),
    },
    '/admin/slot-moves/{id}/pause': { post: action('pauseSlotMove', 'Pause every group of the move after its current chunk (409 SLOT_MOVE.ACTION_REFUSED when no group could be paused)') },
    '/admin/slot-moves/{id}/resume': { post: action('resumeSlotMove', 'Resume every paused group of the move (409 SLOT_MOVE.ACTION_REFUSED when none was paused)') },
    '/admin/slot-moves/{id}/abort': { post: action('abortSlotMove', 'Roll back every group before its flip; a group past it finishes (its refusal is listed; plan the reverse move)') },
  };
}
