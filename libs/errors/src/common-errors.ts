import { FieldIssue, ShardlineError } from './shardline-error';

const joined = (issues: FieldIssue[]) => issues.map((i) => `${i.field}: ${i.message}`).join('; ');

/** Input that is malformed, naming every bad field (400 over HTTP). */
export class ValidationError extends ShardlineError {
  readonly kind = 'validation';
  constructor(
    issues: FieldIssue[],
    readonly code: string = 'VALIDATION_FAILED',
  ) {
    super(joined(issues), { details: issues });
  }
}

/** Input over a documented limit, naming the field (413 over HTTP). */
export class TooLargeError extends ShardlineError {
  readonly kind = 'too-large';
  constructor(
    issues: FieldIssue[],
    readonly code: string = 'TOO_LARGE',
  ) {
    super(joined(issues), { details: issues });
  }
}

/** A recognised option whose capability has not shipped yet (answered 501, never silently ignored). */
export class NotImplementedError extends ShardlineError {
  readonly code = 'NOT_IMPLEMENTED';
  readonly kind = 'not-implemented';
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, { details: [{ field, message }] });
  }
}

/** A dependency cannot answer now (503 over HTTP); `code` names which (`SEARCH.UNAVAILABLE`). */
export class UnavailableError extends ShardlineError {
  readonly kind = 'unavailable';
  constructor(
    readonly code: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** An invariant of ours broke: a bug, logged with its stack, answered 500. */
export class InternalError extends ShardlineError {
  readonly kind = 'internal';
  constructor(
    readonly code: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}
