import { createHash } from 'node:crypto';
import { StoredCommandResult } from '@shardline/event-store';
import { IdempotencyKeyReusedError } from '../domain/record.errors';
import { CommandOutcome, CommandStatus } from './command-outcome';
import { CreateRecordsBatch } from './create-records-batch/create-records-batch.command';
import { MoveRecords } from './move-records/move-records.command';
import { NewRecord } from '../domain/record.state';
import { RecordCommand } from './record.commands';

/**
 * What identifies a request for Idempotency-Key reuse detection, hashed into the stored
 * processed_commands.request_hash. Exactly what went in before the commands were reshaped (a spec
 * pins the hashes): a client retrying across a deploy must still get its replay, not a 422.
 */
export function requestHashOf(command: RecordCommand | CreateRecordsBatch | MoveRecords): string {
  switch (command.type) {
    case 'CreateRecord':
      return sha256(['CreateRecord', newRecordKey(command.data)]);
    case 'UpdateRecord': {
      const { businessId, recordId, patch, expectedVersion } = command.data;
      return sha256(['UpdateRecord', businessId, recordId, patch, expectedVersion ?? null]);
    }
    case 'DeleteRecord': {
      const { businessId, recordId, expectedVersion } = command.data;
      return sha256(['DeleteRecord', businessId, recordId, expectedVersion ?? null]);
    }
    case 'CreateRecordsBatch':
      return sha256(['CreateRecordsBatch', command.data.records.map(newRecordKey)]);
    case 'MoveRecords': {
      const { fromBusinessId, toBusinessId, recordIds } = command.data;
      return sha256(['MoveRecords', fromBusinessId, toBusinessId, recordIds ?? null]);
    }
  }
}

/** The stored response of a repeated command id, or a 422 when the id came with another request. */
export function storedResponseOf<TResponse>(stored: StoredCommandResult, requestHash: string): TResponse {
  if (stored.requestHash !== requestHash) throw new IdempotencyKeyReusedError(stored.commandId);
  return stored.response as TResponse;
}

export function replayOf<TResponse>(stored: StoredCommandResult, requestHash: string, status: CommandStatus): CommandOutcome<TResponse> {
  return { status, response: storedResponseOf<TResponse>(stored, requestHash), replayed: true };
}

// Key order is part of the hash (JSON.stringify): spelled out, not taken from whatever built the command.
const newRecordKey = (r: NewRecord) => ({ businessId: r.businessId, userId: r.userId, dataContent: r.dataContent });

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
