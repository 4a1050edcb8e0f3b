import { ShardlineError } from '@shardline/errors';

/** 401: no usable credentials (missing, malformed, unknown, wrong secret, revoked). */
export class UnauthenticatedError extends ShardlineError {
  readonly kind = 'unauthenticated';
  constructor(
    readonly code: 'AUTH.KEY_MISSING' | 'AUTH.KEY_INVALID' | 'AUTH.KEY_REVOKED',
    message: string,
  ) {
    super(message, { details: [{ field: 'Authorization', message }] });
  }
}

/** 403: a valid key whose roles do not include one the request needs. */
export class RoleRequiredError extends ShardlineError {
  readonly code = 'AUTH.ROLE_REQUIRED';
  readonly kind = 'forbidden';
  constructor(keyId: string, needed: readonly string[]) {
    super(`key ${keyId} needs one of the roles ${needed.join(', ')} for this request`, { details: [{ field: 'Authorization', message: `needs one of: ${needed.join(', ')}` }] });
  }
}

/** 403: a key limited to some businesses asked for another one, or for data it cannot be limited to. */
export class OutOfScopeError extends ShardlineError {
  readonly code = 'AUTH.OUT_OF_SCOPE';
  readonly kind = 'forbidden';
  constructor(keyId: string, field: string, message: string) {
    super(`key ${keyId}: ${field} ${message}`, { details: [{ field, message }] });
  }
}

/** An operator named a key that does not exist (404). */
export class ApiKeyNotFoundError extends ShardlineError {
  readonly code = 'AUTH.KEY_NOT_FOUND';
  readonly kind = 'not-found';
  constructor(keyId: string) {
    super(`no API key ${keyId}`, { details: [{ field: 'key_id', message: 'no such key' }] });
  }
}
