import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { toErrorResponse } from '@shardline/http';
import {
  BatchResult,
  CommandContext,
  CommandOutcome,
  CreateRecord,
  CreateRecordsBatch,
  DeleteRecord,
  RecordLimits,
  RecordTooLargeError,
  UpdateRecord,
} from '@shardline/records';
import { issuesOf, NotImplementedError, ValidationError } from '@shardline/errors';
import { COMMAND_TYPES, commandIdSchema, CommandMessage, commandMessageSchemas, CommandType } from './command-message.schemas';
import { CommandResult, CommandSource } from './command-result';

/** A message from the commands topic, value already decoded (JSON object, or the raw text/bytes when it was not JSON). */
export interface IncomingCommand {
  value: unknown;
  key: string | null;
  source: CommandSource;
}

export interface OutgoingResult {
  /** business_id when known, else the incoming key, else `topic/partition/offset`. */
  key: string;
  result: CommandResult;
}

/**
 * Turns one command message into exactly one result, through the same @nestjs/cqrs handlers
 * and idempotency as REST (command_id = Idempotency-Key). Never throws: bad input becomes an
 * error result naming the field; only a failure to publish the result (the caller's job) may
 * make the message be redelivered, and the redelivery replays the stored outcome.
 */
@Injectable()
export class RecordCommandIntake {
  private readonly logger = new Logger('command-intake');

  constructor(private readonly commands: CommandBus) {}

  async handle(incoming: IncomingCommand): Promise<OutgoingResult> {
    const fallbackKey = incoming.key ?? `${incoming.source.topic}/${incoming.source.partition}/${incoming.source.offset}`;
    let commandId: string | null = null;
    let key = fallbackKey;
    try {
      const value = asObject(incoming.value);
      const id = commandIdSchema.safeParse(value.command_id);
      if (!id.success) throw new ValidationError(issuesOf(id.error, 'command_id'));
      commandId = id.data;
      if (!COMMAND_TYPES.includes(value.type as CommandType)) {
        throw new ValidationError([{ field: 'type', message: `must be one of ${COMMAND_TYPES.join(', ')}` }]);
      }
      const parsed = commandMessageSchemas[value.type as CommandType].safeParse(value);
      if (!parsed.success) throw new ValidationError(issuesOf(parsed.error));
      const message = parsed.data as CommandMessage;
      if (message.type !== 'create_batch') key = message.business_id;
      const { status, outcome } = await this.dispatch(message, {
        commandId: message.command_id,
        clientSupplied: true,
        correlationId: message.correlation_id ?? message.command_id,
        causationId: null,
        actor: null,
      });
      return { key, result: { command_id: commandId, status: 'ok', http_status: status, replayed: outcome.replayed, result: outcome.response, source: incoming.source } };
    } catch (error) {
      const { status, body } = toErrorResponse(error);
      if (status >= 500 && status !== 503) this.logger.error(error instanceof Error ? error.stack : String(error));
      return { key, result: { command_id: commandId, status: 'error', http_status: status, replayed: false, error: body.error, source: incoming.source } };
    }
  }

  private async dispatch(message: CommandMessage, context: CommandContext): Promise<{ status: number; outcome: CommandOutcome<unknown> }> {
    switch (message.type) {
      case 'create': {
        const outcome = await this.commands.execute(
          new CreateRecord({ businessId: message.business_id, userId: message.user_id, dataContent: message.data_content }, context),
        );
        return { status: 201, outcome };
      }
      case 'update':
        return { status: 200, outcome: await this.commands.execute(new UpdateRecord(message.business_id, message.id, message.data_content, message.expected_version, context)) };
      case 'delete':
        return { status: 200, outcome: await this.commands.execute(new DeleteRecord(message.business_id, message.id, message.expected_version, context)) };
      case 'create_batch': {
        if (message.data.length === 0) throw new ValidationError([{ field: 'data', message: 'must hold at least one record' }]);
        if (message.data.length > RecordLimits.batchMaxRecords) {
          throw new RecordTooLargeError([{ field: 'data', message: `holds ${message.data.length} records; the limit is ${RecordLimits.batchMaxRecords}` }]);
        }
        if (message.atomic) throw new NotImplementedError('atomic', 'atomic cross-shard batches arrive with the saga runtime');
        const records = message.data.map((r) => ({ businessId: r.business_id, userId: r.user_id, dataContent: r.data_content }));
        const result: BatchResult = await this.commands.execute(new CreateRecordsBatch(records, context));
        // The batch handler replays per shard part; a full replay is not distinguishable here.
        return { status: result.failed === 0 ? 201 : result.created === 0 ? 503 : 207, outcome: { response: result, replayed: false } };
      }
    }
  }
}

/** The message value as a JSON object, or a 400 saying why it is not one. */
function asObject(value: unknown): Record<string, unknown> {
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
