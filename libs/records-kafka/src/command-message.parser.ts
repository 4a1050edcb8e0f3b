import { issuesOf, ValidationError } from '@shardline/errors';
import { CommandContext, CreateRecord, CreateRecordsBatch, DeleteRecord, newRecordOf, RecordCommand, UpdateRecord } from '@shardline/records';
import { COMMAND_TYPES, commandIdSchema, CommandMessage, commandMessageSchemas, CommandType } from './command-message.schemas';

/** The message value as a JSON object, or a 400 saying why it is not one. */
export function jsonObjectOf(value: unknown): Record<string, unknown> {
  let v = value;
  if (Buffer.isBuffer(v)) v = v.toString('utf8');
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ValidationError([{ field: '(body)', message: 'is not valid JSON' }], 'INVALID_JSON');
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ValidationError([{ field: '(body)', message: v === null ? 'is empty (a tombstone or null)' : 'must be a JSON object' }]);
  }
  return v as Record<string, unknown>;
}

/** Read before the rest of the message, so that every later error result can carry it. */
export function commandIdOf(value: Record<string, unknown>): string {
  const id = commandIdSchema.safeParse(value.command_id);
  if (!id.success) throw new ValidationError(issuesOf(id.error, 'command_id'));
  return id.data;
}

/** The message checked against the schema of its type, naming every bad field. */
export function commandMessageOf(value: Record<string, unknown>): CommandMessage {
  if (!COMMAND_TYPES.includes(value.type as CommandType)) {
    throw new ValidationError([{ field: 'type', message: `must be one of ${COMMAND_TYPES.join(', ')}` }]);
  }
  const parsed = commandMessageSchemas[value.type as CommandType].safeParse(value);
  if (!parsed.success) throw new ValidationError(issuesOf(parsed.error));
  return parsed.data as CommandMessage;
}

/** The records command a message stands for: the command id is the idempotency key (clientSupplied). */
export function recordCommandOf(message: CommandMessage, actor: string | null = null): RecordCommand | CreateRecordsBatch {
  const context: CommandContext = {
    commandId: message.command_id,
    clientSupplied: true,
    correlationId: message.correlation_id ?? message.command_id,
    causationId: null,
    actor,
  };
  switch (message.type) {
    case 'create':
      return new CreateRecord(newRecordOf(message), context);
    case 'update':
      return new UpdateRecord({ businessId: message.business_id, recordId: message.id, patch: message.data_content, expectedVersion: message.expected_version }, context);
    case 'delete':
      return new DeleteRecord({ businessId: message.business_id, recordId: message.id, expectedVersion: message.expected_version }, context);
    case 'create_batch':
      return new CreateRecordsBatch({ records: message.data.map(newRecordOf), atomic: message.atomic ?? false }, context);
  }
}

/** The business ids a message touches, with their fields (scope checks of keys limited to business prefixes). */
export function businessesOf(message: CommandMessage): Array<{ businessId: string; field: string }> {
  if (message.type === 'create_batch') return message.data.map((r, i) => ({ businessId: r.business_id, field: `data[${i}].business_id` }));
  return [{ businessId: message.business_id, field: 'business_id' }];
}
