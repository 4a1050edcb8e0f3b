import type { ErrorKind } from '@shardline/errors';

/**
 * The one mapping from error kinds (set by libs, transport-free) to HTTP statuses. Typed over
 * every kind: a kind added to @shardline/errors without a status here does not compile. The Kafka
 * command intake reports the same statuses in its results.
 */
export const STATUS_OF_KIND = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'illegal-state': 409,
  'too-large': 413,
  locked: 423,
  unprocessable: 422,
  'rate-limited': 429,
  internal: 500,
  'not-implemented': 501,
  unavailable: 503,
} as const satisfies Record<ErrorKind, number>;
