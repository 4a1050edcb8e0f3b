import { expect } from 'expect';
import { hasErrorCode, isRetriable, isShardlineError, messageOf } from '@shardline/errors';
import {
  attemptStarted,
  attemptsAllowed,
  currentStep,
  deadlinePassed,
  newSagaState,
  operatorAbort,
  operatorPause,
  operatorResume,
  operatorRetry,
  phaseOf,
  pivotReached,
  progressOf,
  stepContinued,
  stepFailed,
  stepSucceeded,
  type SagaDefinition,
  type SagaState,
} from '@shardline/sagas';

type Definition = SagaDefinition<any, any>;

/** What happened to the step a saga is at (its action when running, its compensation when compensating). */
export type StepOutcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; error: unknown; final?: boolean }
  | { kind: 'deadline-passed' }
  | { kind: 'operator-abort' }
  | { kind: 'operator-retry' }
  | { kind: 'continued'; progress: unknown; delayMs: number }
  | { kind: 'operator-pause' }
  | { kind: 'operator-resume' };

/** The step succeeded with this (JSON) result. */
export const succeeds = (result: unknown = null): StepOutcome => ({ kind: 'succeeded', result });
/**
 * The step threw `error`. Final as the orchestrator decides it (not retriable, or the step's last
 * attempt), unless `final` says otherwise. A compensation throwing SAGA.PIVOT_REACHED turns the saga forward.
 */
export const fails = (error: unknown, options: { final?: boolean } = {}): StepOutcome => ({ kind: 'failed', error, final: options.final });
export const deadlinePasses = (): StepOutcome => ({ kind: 'deadline-passed' });
export const operatorAborts = (): StepOutcome => ({ kind: 'operator-abort' });
export const operatorRetries = (): StepOutcome => ({ kind: 'operator-retry' });
/** The step returned continueLater(progress, delayMs): one chunk done, the same step runs again. */
export const continues = (progress: unknown, delayMs = 0): StepOutcome => ({ kind: 'continued', progress, delayMs });
export const operatorPauses = (): StepOutcome => ({ kind: 'operator-pause' });
export const operatorResumes = (): StepOutcome => ({ kind: 'operator-resume' });

export interface SagaSpecOptions {
  input?: unknown;
  id?: string;
  /** The time of every transition (deadlines are computed from it). */
  now?: Date;
}

/**
 * given(saga state).when(step outcome).then(next step or compensation): a saga definition tested
 * through the very transitions the orchestrator applies (libs/sagas/src/state), with no store,
 * queue or effects. Jest-free: asserts with the `expect` library.
 *
 *   const spec = sagaSpec(moveRecordsSaga, { input });
 *   spec.given('lock', 'copy').when(fails(new UnavailableError(...), { final: true })).thenCompensates('copy');
 */
export function sagaSpec(definition: Definition, options: SagaSpecOptions = {}) {
  const now = options.now ?? new Date('2026-12-01T00:00:00.000Z');
  const fresh = () => newSagaState(definition, options.id ?? 'saga-spec', options.input ?? {}, now);
  return {
    /** The saga after these actions succeeded in order (a step name, or [name, result]); none: just started. */
    given(...succeeded: Array<string | [string, unknown]>): SagaGiven {
      let state = fresh();
      for (const entry of succeeded) {
        const [name, result] = typeof entry === 'string' ? [entry, null] : entry;
        const at = currentStep(state, definition).name;
        if (phaseOf(state) !== 'action' || at !== name) throw new Error(`given: the saga runs ${phaseOf(state) ?? state.status} of ${at} next, not the action of ${name}`);
        state = stepSucceeded(attemptStarted(state, definition, now), definition, result, now);
      }
      return sagaGiven(definition, state, now);
    },
    /** Any state (one loaded from a store, or built by hand). */
    givenState(state: SagaState): SagaGiven {
      return sagaGiven(definition, state, now);
    },
  };
}

export interface SagaGiven {
  readonly state: SagaState;
  when(outcome: StepOutcome): SagaThen;
}

export interface SagaThen {
  /** The state the outcome leads to. */
  readonly state: SagaState;
  /** Going forward: the action of `step` runs next. */
  thenRuns(step: string): SagaGiven;
  /** Going back: the compensation of `step` runs next. */
  thenCompensates(step: string): SagaGiven;
  /** A failure recorded, the same step is retried (the version stays, so the queue's redelivery is valid). */
  thenRetries(): SagaGiven;
  /**
   * The same step (action or compensation) runs again in a new job, with this progress saved for it
   * (what its next run reads with context.progress()); no attempt counted.
   */
  thenContinues(progress: unknown): SagaGiven;
  /** Paused by an operator; `from`: what it does again once resumed. */
  thenPaused(from: 'running' | 'compensating'): SagaGiven;
  /** Completed: every action succeeded. */
  thenCompletes(): SagaGiven;
  /** Every compensation ran (or none was needed). `code`: why it compensated. */
  thenCompensated(code?: string): SagaGiven;
  /** Parked for an operator; `code`: the failure that parked it. */
  thenParks(code?: string): SagaGiven;
  thenAborted(): SagaGiven;
}

function sagaGiven(definition: Definition, state: SagaState, now: Date): SagaGiven {
  return {
    state,
    when(outcome) {
      return sagaThen(definition, state, next(definition, state, outcome, now), now);
    },
  };
}

/** Applies an outcome exactly as SagaOrchestrator.runJob (and its operator actions) would. */
function next(definition: Definition, state: SagaState, outcome: StepOutcome, now: Date): SagaState {
  switch (outcome.kind) {
    case 'deadline-passed':
      return deadlinePassed(state, definition, now);
    case 'operator-abort':
      return operatorAbort(state, definition, now);
    case 'operator-retry':
      return operatorRetry(state, now);
    case 'operator-pause':
      return operatorPause(state, now);
    case 'operator-resume':
      return operatorResume(state, now);
    case 'continued':
      return stepContinued(attemptStarted(state, definition, now), definition, outcome.progress, outcome.delayMs, now);
    case 'succeeded':
      return stepSucceeded(attemptStarted(state, definition, now), definition, outcome.result, now);
    case 'failed': {
      const started = attemptStarted(state, definition, now);
      if (phaseOf(started) === 'compensation' && hasErrorCode(outcome.error, 'SAGA.PIVOT_REACHED')) return pivotReached(started, definition, now);
      const final = outcome.final ?? (!isRetriable(outcome.error) || started.attempts >= attemptsAllowed(started, definition));
      const code = isShardlineError(outcome.error) ? outcome.error.code : 'INTERNAL';
      return stepFailed(started, definition, { code, message: messageOf(outcome.error) }, final, now);
    }
  }
}

function sagaThen(definition: Definition, before: SagaState, state: SagaState, now: Date): SagaThen {
  const at = () => definition.steps[state.cursor]?.name;
  const then = (check: () => void) => {
    check();
    return sagaGiven(definition, state, now);
  };
  const where = () => `${state.status} at ${at()} (reason ${state.reason?.code ?? 'none'})`;
  return {
    state,
    thenRuns: (step) => then(() => expect({ status: state.status, step: at() }).toEqual({ status: 'running', step })),
    thenCompensates: (step) => then(() => expect({ status: state.status, step: at() }).toEqual({ status: 'compensating', step })),
    thenRetries: () =>
      then(() => {
        expect({ status: state.status, step: at(), version: state.version }).toEqual({ status: before.status, step: definition.steps[before.cursor].name, version: before.version });
        expect(state.failures.at(-1)).toMatchObject({ final: false });
      }),
    thenContinues: (progress) =>
      then(() => {
        const phase = phaseOf(before);
        expect({ status: state.status, step: at(), version: state.version, attempts: state.attempts }).toEqual({
          status: before.status,
          step: definition.steps[before.cursor].name,
          version: before.version + 1,
          attempts: 0,
        });
        expect(progressOf(state, definition, phase ?? 'action')).toEqual(progress);
      }),
    thenPaused: (from) => then(() => expect({ status: state.status, pausedFrom: state.pausedFrom }).toEqual({ status: 'paused', pausedFrom: from })),
    thenCompletes: () => then(() => expect(state.status).toBe('completed')),
    thenCompensated: (code) =>
      then(() => {
        if (state.status !== 'compensated') throw new Error(`expected compensated, the saga is ${where()}`);
        if (code) expect(state.reason).toMatchObject({ code });
      }),
    thenParks: (code) =>
      then(() => {
        if (state.status !== 'parked') throw new Error(`expected parked, the saga is ${where()}`);
        if (code) expect(state.reason).toMatchObject({ code });
      }),
    thenAborted: () => then(() => expect(state.status).toBe('aborted')),
  };
}
