import { ShardlineError } from '@shardline/errors';

export class SagaNotFoundError extends ShardlineError {
  readonly code = 'SAGA.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(readonly sagaId: string) {
    super(`saga ${sagaId} does not exist`);
  }
}

/** An operator action that does not apply to the saga's current status (retry a running saga, abort after the pivot). */
export class SagaIllegalStateError extends ShardlineError {
  readonly code = 'SAGA.ILLEGAL_STATE';
  readonly kind = 'illegal-state';
  constructor(
    readonly sagaId: string,
    message: string,
  ) {
    super(`saga ${sagaId}: ${message}`);
  }
}

export class UnknownSagaTypeError extends ShardlineError {
  readonly code = 'SAGA.UNKNOWN_TYPE';
  readonly kind = 'validation';
  constructor(type: string) {
    super(`no saga of type ${type} is registered`, { details: [{ field: 'type', message: `unknown saga type ${type}` }] });
  }
}
