/**
 * Errors of the event store. They carry a stable `code`, a `kind` that the HTTP edge maps to a
 * status once, and `retriable` so callers know whether trying again can help.
 */
export class StreamVersionConflictError extends Error {
  readonly code = 'EVENT_STORE.VERSION_CONFLICT';
  readonly kind = 'conflict';
  readonly retriable = false;
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`);
  }
}

export class ShardUnavailableError extends Error {
  readonly code = 'EVENT_STORE.SHARD_UNAVAILABLE';
  readonly kind = 'unavailable';
  readonly retriable = true;
  constructor(
    readonly shard: number,
    cause: unknown,
    /** True when the failure hit COMMIT itself: the write may or may not have landed. */
    readonly outcomeUnknown = false,
  ) {
    super(
      `shard ${shard} is unavailable${outcomeUnknown ? ' (commit outcome unknown: retry with the same Idempotency-Key)' : ''}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}

export function isStreamVersionConflict(error: unknown): error is StreamVersionConflictError {
  return (error as { code?: string } | null)?.code === 'EVENT_STORE.VERSION_CONFLICT';
}
