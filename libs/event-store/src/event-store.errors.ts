import { hasErrorCode, messageOf, ShardlineError } from '@shardline/errors';

/** Errors of the event store: stable codes, a kind the edges map once, `retriable` for callers. */
export class StreamVersionConflictError extends ShardlineError {
  readonly code = 'EVENT_STORE.VERSION_CONFLICT';
  readonly kind = 'conflict';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`);
  }
}

export class ShardUnavailableError extends ShardlineError {
  readonly code = 'EVENT_STORE.SHARD_UNAVAILABLE';
  readonly kind = 'unavailable';
  constructor(
    readonly shard: number,
    cause: unknown,
    /** True when the failure hit COMMIT itself: the write may or may not have landed. */
    readonly outcomeUnknown = false,
  ) {
    super(`shard ${shard} is unavailable${outcomeUnknown ? ' (commit outcome unknown: retry with the same Idempotency-Key)' : ''}: ${messageOf(cause)}`, { cause });
  }
}

/** A row the command needs stayed locked by another transaction past the lock wait timeout: try again shortly. */
export class WriteContentionError extends ShardlineError {
  readonly code = 'EVENT_STORE.CONTENTION';
  readonly kind = 'unavailable';
  constructor(
    readonly shard: number,
    cause: unknown,
  ) {
    super(`a row this write needs on shard ${shard} is locked by another transaction (waited past the lock wait timeout); retry with the same Idempotency-Key`, { cause });
  }
}

export function isStreamVersionConflict(error: unknown): error is StreamVersionConflictError {
  return hasErrorCode(error, 'EVENT_STORE.VERSION_CONFLICT');
}
