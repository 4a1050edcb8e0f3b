import { ShardlineError, UnavailableError } from '@shardline/errors';

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

/**
 * Thrown by a compensation that finds the pivot already passed (e.g. voiding a commit point that a
 * late attempt of the commit step committed after all): the saga stops compensating and goes
 * forward from the step after the pivot, as if the pivot step had succeeded.
 */
export class PivotReachedError extends ShardlineError {
  readonly code = 'SAGA.PIVOT_REACHED';
  readonly kind = 'conflict';
  constructor(message: string) {
    super(message);
  }
}

/** Another run of the saga holds its run lease (SagaStore.claimRun); the queue delivers the job again after its backoff. */
export class SagaRunBusyError extends UnavailableError {
  constructor(sagaId: string, busyForMs: number) {
    super('SAGA.RUN_BUSY', `saga ${sagaId}: another run of it is still executing (its lease runs ~${busyForMs} ms more)`);
  }
}
