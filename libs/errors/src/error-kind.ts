/**
 * What kind of failure an error is, independent of any transport. The HTTP edge maps each kind to
 * a status in ONE table typed over this union (libs/http), so adding a kind without a status is a
 * compile error; the Kafka command intake reuses the same table for its results.
 */
export const ERROR_KINDS = [
  /** The input is malformed (a field has the wrong type, format or range). */
  'validation',
  /** No valid credentials: the API key is missing, malformed, unknown or revoked. */
  'unauthenticated',
  /** Valid credentials whose roles or business scope do not allow the request. */
  'forbidden',
  'not-found',
  /** Another writer won (optimistic concurrency) or the request's precondition no longer holds. */
  'conflict',
  /** The input is well-formed but over a documented limit (body, batch, data_content). */
  'too-large',
  /** Well-formed and within limits, but refused as a whole (e.g. an idempotency key reused for another request). */
  'unprocessable',
  /** The operation does not apply to the current state of its target (e.g. retrying a finished saga). */
  'illegal-state',
  /** The target is held by a running operation (a record being moved by a saga) until it finishes; the error names it. */
  'locked',
  'rate-limited',
  /** A recognised option whose capability has not shipped. */
  'not-implemented',
  /** A dependency (shard, cache, engine) cannot answer now; trying again later can help. */
  'unavailable',
  /** A bug: an invariant of ours broke. Never caused by input alone. */
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (ERROR_KINDS as readonly string[]).includes(value);
}
