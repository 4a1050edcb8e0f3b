import { ShardlineError, TooLargeError } from '@shardline/errors';
import type { FieldIssue } from '@shardline/errors';

/**
 * The records domain's errors: the stable codes of the records API on the one Shardline base
 * (@shardline/errors), so every edge maps their kinds to statuses in one table. Malformed input is
 * the generic ValidationError; nothing here is retriable (the base decides by kind).
 */
export class RecordNotFoundError extends ShardlineError {
  readonly code = 'RECORD.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(businessId: string, id: string) {
    super(`record ${id} of business ${businessId} does not exist`);
  }
}

export class RecordVersionMismatchError extends ShardlineError {
  readonly code = 'RECORD.VERSION_CONFLICT';
  readonly kind = 'conflict';
  constructor(
    id: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`record ${id} is at version ${actualVersion}, not ${expectedVersion}`, {
      details: [{ field: 'If-Match', message: `current version is ${actualVersion}` }],
    });
  }
}

/** A write to a record that a move saga holds (docs/adr/0004): refused until the move finished, naming the saga. */
export class RecordLockedError extends ShardlineError {
  static readonly CODE = 'RECORD.LOCKED';
  readonly code = RecordLockedError.CODE;
  readonly kind = 'locked';
  constructor(
    readonly recordId: string,
    readonly sagaId: string,
  ) {
    super(`record ${recordId} is locked by saga ${sagaId}, which is moving it to another business; retry once that saga finished`, {
      details: [{ field: 'saga_id', message: sagaId }],
    });
  }
}

/** A record (or a batch) over a documented limit, naming the field by its path in the command. */
export class RecordTooLargeError extends TooLargeError {
  static readonly CODE = 'RECORD.TOO_LARGE';
  constructor(issues: FieldIssue[]) {
    super(issues, RecordTooLargeError.CODE);
  }
}

export class IdempotencyKeyReusedError extends ShardlineError {
  readonly code = 'IDEMPOTENCY_KEY.REUSED';
  readonly kind = 'unprocessable';
  constructor(key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`, {
      details: [{ field: 'Idempotency-Key', message: 'reused with a different request body' }],
    });
  }
}
