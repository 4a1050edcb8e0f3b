import { ErrorKind, isErrorKind } from './error-kind';

/** One offending field of a request, named by its path in the request (`data[3].data_content`, `If-Match`). */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface ShardlineErrorOptions {
  details?: FieldIssue[];
  cause?: unknown;
}

/**
 * Marks Shardline errors structurally: `instanceof` fails when two copies of a lib are loaded
 * (a built app beside tsx-run code, jest module registries), a registered symbol does not.
 */
const BRAND = Symbol.for('shardline.error');

/**
 * Base of every error a lib throws on purpose: a stable `code` (`RECORD.NOT_FOUND`), a transport-free
 * `kind` the edges map to a status once, `retriable` telling callers (runners, sagas, clients)
 * whether trying again can help, and `details` naming offending fields. Libs never throw HTTP errors.
 */
export abstract class ShardlineError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  readonly details: FieldIssue[];
  readonly [BRAND] = true;

  protected constructor(message: string, options: ShardlineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? [];
  }

  /** True for `unavailable` and `rate-limited`; a subclass that knows better overrides it. */
  get retriable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'rate-limited';
  }
}

export function isShardlineError(error: unknown): error is ShardlineError {
  const e = error as Partial<ShardlineError> & { [BRAND]?: unknown };
  return typeof e === 'object' && e !== null && e[BRAND] === true && typeof e.code === 'string' && isErrorKind(e.kind);
}

/** True for a Shardline error of this kind (or one of these kinds). */
export function hasErrorKind(error: unknown, ...kinds: ErrorKind[]): error is ShardlineError {
  return isShardlineError(error) && kinds.includes(error.kind);
}

/** True for a Shardline error with this stable code. */
export function hasErrorCode(error: unknown, code: string): error is ShardlineError {
  return isShardlineError(error) && error.code === code;
}

/** Whether trying the same operation again may succeed; unknown errors are assumed transient. */
export function isRetriable(error: unknown): boolean {
  return isShardlineError(error) ? error.retriable : true;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
