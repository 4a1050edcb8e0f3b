/**
 * Domain errors: a stable code, a kind the HTTP edge maps to a status in one place, and details
 * naming the offending field where there is one.
 */
export type ErrorKind = 'validation' | 'not-found' | 'conflict' | 'too-large' | 'unprocessable';

export interface FieldIssue {
  field: string;
  message: string;
}

export abstract class RecordsError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  readonly retriable = false;
  details: FieldIssue[] = [];
}

export class RecordNotFoundError extends RecordsError {
  readonly code = 'RECORD.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(businessId: string, id: string) {
    super(`record ${id} of business ${businessId} does not exist`);
  }
}

export class RecordVersionMismatchError extends RecordsError {
  readonly code = 'RECORD.VERSION_CONFLICT';
  readonly kind = 'conflict';
  constructor(
    id: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`record ${id} is at version ${actualVersion}, not ${expectedVersion}`);
    this.details = [{ field: 'If-Match', message: `current version is ${actualVersion}` }];
  }
}

export class InvalidRecordError extends RecordsError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = 'validation';
  constructor(issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.details = issues;
  }
}

export class RecordTooLargeError extends RecordsError {
  readonly code = 'RECORD.TOO_LARGE';
  readonly kind = 'too-large';
  constructor(issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.details = issues;
  }
}

export class IdempotencyKeyReusedError extends RecordsError {
  readonly code = 'IDEMPOTENCY_KEY.REUSED';
  readonly kind = 'unprocessable';
  constructor(key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`);
    this.details = [{ field: 'Idempotency-Key', message: 'reused with a different request body' }];
  }
}
