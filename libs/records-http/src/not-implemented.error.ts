/** A recognised option whose capability has not shipped yet (answered 501, never silently ignored). */
export class NotImplementedError extends Error {
  readonly code = 'NOT_IMPLEMENTED';
  readonly kind = 'not-implemented';
  readonly retriable = false;
  readonly details: Array<{ field: string; message: string }>;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.details = [{ field, message }];
  }
}
