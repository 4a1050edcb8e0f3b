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

/**
 * The shard is slow, not down: this write waited its bounded turn (a queue slot, a group, a
 * connection) and did not get it. Nothing of it was sent, so nothing was written; retry after
 * Retry-After with the same Idempotency-Key. Bounded per shard so that one slow shard holds a
 * bounded share of the process (memory, write admission) and the other shards keep serving.
 */
export class ShardBusyError extends ShardlineError {
  readonly code = 'EVENT_STORE.SHARD_BUSY';
  readonly kind = 'unavailable';
  constructor(
    readonly shard: number,
    reason: string,
    cause?: unknown,
  ) {
    super(`shard ${shard} is too slow to take this write now (${reason}); nothing was written, retry with the same Idempotency-Key`, { cause });
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

/**
 * The shard refused the write because it does not own a slot the write belongs to (docs/adr/0008):
 * the process routed with a stale slot map, or the slot is in a move's cutover. Nothing was
 * written. Retriable: reload the map and address the owner; while a cutover holds the slot, 503.
 */
export class SlotNotOwnedError extends ShardlineError {
  readonly code = 'EVENT_STORE.SLOT_MOVED';
  readonly kind = 'unavailable';
  constructor(
    readonly shard: number,
    readonly slots: readonly number[],
    cause?: unknown,
  ) {
    super(`shard ${shard} does not own slot${slots.length === 1 ? '' : 's'} ${slots.join(', ')} (moved or moving); nothing was written, retry with the same Idempotency-Key`, { cause });
  }
}

export function isSlotNotOwned(error: unknown): error is SlotNotOwnedError {
  return hasErrorCode(error, 'EVENT_STORE.SLOT_MOVED');
}

export function isStreamVersionConflict(error: unknown): error is StreamVersionConflictError {
  return hasErrorCode(error, 'EVENT_STORE.VERSION_CONFLICT');
}
