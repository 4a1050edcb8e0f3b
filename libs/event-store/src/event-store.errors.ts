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

export function isStreamVersionConflict(error: unknown): error is StreamVersionConflictError {
  return hasErrorCode(error, 'EVENT_STORE.VERSION_CONFLICT');
}
