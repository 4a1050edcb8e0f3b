import { DEFAULT_COMPENSATION_ATTEMPTS, DEFAULT_STEP_ATTEMPTS, type SagaDefinition, type SagaStep } from '../definition/saga.definition';
import { SagaIllegalStateError } from './saga.errors';
import { phaseOf, type SagaFailure, type SagaState, type StepLog, type StepPhase } from './saga.state';

/**
 * The saga state machine, pure: every function takes a state and returns the next one (version
 * bumped when the saga moves), so the orchestrator only loads, applies one of these and saves with
 * a compare-and-set on the version.
 *
 *   running ──action ok──► next step … ──last ok──► completed
 *      │  action failed for good (before the pivot), deadline passed, operator abort
 *      ▼
 *   compensating (from the failed step down to step 0, steps without compensation skipped)
 *      │ all compensations ok ──► compensated
 *      │ a compensation failed for good, or an action after the pivot failed for good ──► parked
 *   parked ──operator retry──► where it stopped;  ──operator abort──► aborted
 */

type Definition = SagaDefinition<unknown, unknown>;
const MAX_FAILURES_KEPT = 20;

export function newSagaState(definition: Definition, id: string, input: unknown, now: Date): SagaState {
  const at = now.toISOString();
  return {
    id,
    type: definition.type,
    status: 'running',
    input,
    cursor: 0,
    version: 1,
    attempts: 0,
    pivotPassed: false,
    results: {},
    deadline: new Date(now.getTime() + definition.deadlineMs).toISOString(),
    parkedFrom: null,
    reason: null,
    steps: [],
    failures: [],
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
  };
}

export function currentStep(state: SagaState, definition: Definition): SagaStep<unknown, unknown> {
  const step = definition.steps[state.cursor];
  if (!step) throw new Error(`saga ${state.id} has no step ${state.cursor} (definition ${definition.type} has ${definition.steps.length})`);
  return step;
}

/** Attempts the current action or compensation gets before it fails for good. */
export function attemptsAllowed(state: SagaState, definition: Definition): number {
  const step = currentStep(state, definition);
  return phaseOf(state) === 'compensation' ? (step.compensationAttempts ?? DEFAULT_COMPENSATION_ATTEMPTS) : (step.attempts ?? DEFAULT_STEP_ATTEMPTS);
}

/** An attempt of the current action/compensation begins (not a move: the version stays). */
export function attemptStarted(state: SagaState, definition: Definition, now: Date): SagaState {
  const phase = requirePhase(state);
  const step = currentStep(state, definition);
  const at = now.toISOString();
  const log = findLog(state, step.name, phase);
  const entry: StepLog = log
    ? { ...log, status: 'running', attempts: log.attempts + 1, finishedAt: null }
    : { step: step.name, phase, status: 'running', attempts: 1, startedAt: at, finishedAt: null, lastError: null };
  return { ...state, attempts: state.attempts + 1, steps: upsertLog(state.steps, entry), updatedAt: at };
}

export function stepSucceeded(state: SagaState, definition: Definition, result: unknown, now: Date): SagaState {
  const phase = requirePhase(state);
  const step = currentStep(state, definition);
  const at = now.toISOString();
  const logged = closeLog(state, step.name, phase, 'succeeded', null, at);
  if (phase === 'compensation') return compensateFrom(logged, definition, state.cursor - 1, at);
  const next: SagaState = {
    ...logged,
    results: { ...state.results, [step.name]: result ?? null },
    pivotPassed: state.pivotPassed || step.pivot === true,
    cursor: state.cursor + 1,
    attempts: 0,
  };
  return next.cursor >= definition.steps.length ? moved({ ...next, status: 'completed', finishedAt: at }, at) : moved(next, at);
}

/**
 * The current attempt failed. Not final: recorded, the version stays (the job is retried).
 * Final: an action before the pivot starts the compensation at this very step (a failed attempt
 * may have done part of its work); an action after the pivot, or a compensation, parks the saga.
 */
export function stepFailed(state: SagaState, definition: Definition, error: { code: string; message: string }, final: boolean, now: Date): SagaState {
  const phase = requirePhase(state);
  const step = currentStep(state, definition);
  const at = now.toISOString();
  const failure: SagaFailure = { at, step: step.name, phase, attempt: state.attempts, code: error.code, message: error.message, final };
  const failures = [...state.failures, failure].slice(-MAX_FAILURES_KEPT);
  const logged = closeLog({ ...state, failures }, step.name, phase, final ? 'failed' : 'running', error.message, final ? at : null);
  if (!final) return { ...logged, updatedAt: at };
  const reason = { step: step.name, code: error.code, message: error.message };
  if (phase === 'action' && !state.pivotPassed) return compensateFrom({ ...logged, reason }, definition, state.cursor, at);
  return moved({ ...logged, status: 'parked', parkedFrom: state.status === 'compensating' ? 'compensating' : 'running', reason }, at);
}

/**
 * A compensation found the pivot already passed (PivotReachedError): going back is impossible, so
 * the saga resumes forward after the pivot step (whose result is unknown here: null).
 */
export function pivotReached(state: SagaState, definition: Definition, now: Date): SagaState {
  const pivot = definition.steps.findIndex((s) => s.pivot);
  if (pivot < 0) throw new SagaIllegalStateError(state.id, `saga type ${definition.type} has no pivot`);
  const at = now.toISOString();
  const results = { ...state.results, [definition.steps[pivot].name]: state.results[definition.steps[pivot].name] ?? null };
  const next: SagaState = { ...state, status: 'running', cursor: pivot + 1, attempts: 0, pivotPassed: true, results };
  return next.cursor >= definition.steps.length ? moved({ ...next, status: 'completed', finishedAt: at }, at) : moved(next, at);
}

/** True when the saga should give up going forward: before its pivot and past its deadline. */
export function isPastDeadline(state: SagaState, now: Date): boolean {
  return state.status === 'running' && !state.pivotPassed && now.getTime() > Date.parse(state.deadline);
}

export function deadlinePassed(state: SagaState, definition: Definition, now: Date): SagaState {
  const reason = { step: definition.steps[state.cursor]?.name ?? null, code: 'SAGA.DEADLINE_PASSED', message: `deadline ${state.deadline} passed before the pivot` };
  return compensateFrom({ ...state, reason }, definition, state.cursor, now.toISOString());
}

/** Operator: a parked saga resumes where it stopped, with fresh attempts. */
export function operatorRetry(state: SagaState, now: Date): SagaState {
  if (state.status !== 'parked' || !state.parkedFrom) throw new SagaIllegalStateError(state.id, `only a parked saga can be retried (it is ${state.status})`);
  return moved({ ...state, status: state.parkedFrom, parkedFrom: null, attempts: 0 }, now.toISOString());
}

/**
 * Operator: a running saga before its pivot compensates; a parked saga is given up (aborted: the
 * operator takes over whatever it left). Anything else is refused: after the pivot the only way
 * is forward, and a compensation in progress is already the abort.
 */
export function operatorAbort(state: SagaState, definition: Definition, now: Date): SagaState {
  const at = now.toISOString();
  const reason = { step: definition.steps[state.cursor]?.name ?? null, code: 'SAGA.ABORTED', message: 'aborted by an operator' };
  if (state.status === 'running' && !state.pivotPassed) return compensateFrom({ ...state, reason }, definition, state.cursor, at);
  if (state.status === 'parked') return moved({ ...state, status: 'aborted', parkedFrom: null, reason, finishedAt: at }, at);
  const why = state.status === 'running' ? 'it passed its pivot; it can only go forward' : `it is ${state.status}`;
  throw new SagaIllegalStateError(state.id, `cannot be aborted: ${why}`);
}

/** Compensation continues at the highest step ≤ from that has one; none left → compensated. */
function compensateFrom(state: SagaState, definition: Definition, from: number, at: string): SagaState {
  let cursor = Math.min(from, definition.steps.length - 1);
  while (cursor >= 0 && !definition.steps[cursor].compensation) cursor--;
  if (cursor < 0) return moved({ ...state, status: 'compensated', cursor: 0, attempts: 0, finishedAt: at }, at);
  return moved({ ...state, status: 'compensating', cursor, attempts: 0 }, at);
}

function moved(state: SagaState, at: string): SagaState {
  return { ...state, version: state.version + 1, updatedAt: at };
}

function requirePhase(state: SagaState): StepPhase {
  const phase = phaseOf(state);
  if (!phase) throw new SagaIllegalStateError(state.id, `no step runs while it is ${state.status}`);
  return phase;
}

function findLog(state: SagaState, step: string, phase: StepPhase): StepLog | undefined {
  return state.steps.find((l) => l.step === step && l.phase === phase);
}

function closeLog(state: SagaState, step: string, phase: StepPhase, status: StepLog['status'], error: string | null, finishedAt: string | null): SagaState {
  const log = findLog(state, step, phase);
  if (!log) return state;
  return { ...state, steps: upsertLog(state.steps, { ...log, status, finishedAt, lastError: error ?? log.lastError }) };
}

function upsertLog(logs: StepLog[], entry: StepLog): StepLog[] {
  const index = logs.findIndex((l) => l.step === entry.step && l.phase === entry.phase);
  return index < 0 ? [...logs, entry] : logs.map((l, i) => (i === index ? entry : l));
}
