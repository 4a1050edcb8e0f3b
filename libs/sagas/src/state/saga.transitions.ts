import { DEFAULT_COMPENSATION_ATTEMPTS, DEFAULT_STEP_ATTEMPTS, type SagaDefinition, type SagaStep } from '../definition/saga.definition';
import { SagaIllegalStateError } from './saga.errors';
import { phaseOf, type SagaFailure, type SagaState, type StepLog, type StepPhase, type StepProgress } from './saga.state';

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
 *   running | compensating ──operator pause──► paused ──operator resume──► where it was
 *
 * A step run that returns continueLater is a move too (version bumped, progress saved) that keeps
 * the cursor: the same step runs again in the job of the new version.
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
    pausedFrom: null,
    pausedAt: null,
    progress: null,
    continueAt: null,
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
    progress: null,
  };
  return next.cursor >= definition.steps.length ? moved({ ...next, status: 'completed', finishedAt: at }, at) : moved(next, at);
}

/**
 * The run returned continueLater: its progress is saved for the next run of the same step (and,
 * for an action, for the step's compensation), due after `delayMs`. The run is not counted as an
 * attempt, and the attempts of the current step start again from 0: they count the failures since
 * the step last made progress, so a copy of a thousand chunks is not failed for good by five
 * transient errors spread over hours. The version moves, so a duplicate of this job is stale.
 */
export function stepContinued(state: SagaState, definition: Definition, progress: unknown, delayMs: number, now: Date): SagaState {
  const phase = requirePhase(state);
  const step = currentStep(state, definition);
  const at = now.toISOString();
  const log = findLog(state, step.name, phase);
  const steps = log ? upsertLog(state.steps, { ...log, status: 'running', attempts: Math.max(0, log.attempts - 1), continuations: (log.continuations ?? 0) + 1 }) : state.steps;
  const kept: StepProgress = state.progress?.step === step.name ? state.progress : { step: step.name };
  const next = moved({ ...state, steps, attempts: 0, progress: { ...kept, [phase]: progress } }, at);
  return { ...next, continueAt: new Date(now.getTime() + delayMs).toISOString() };
}

/**
 * Another run of this saga still holds its run lease (SagaStore.claimRun): the current step (or
 * compensation) runs again after `delayMs`, with nothing recorded against it. A move, so the job of
 * the new version carries the delay and a duplicate of this job is stale.
 */
export function waitingForRun(state: SagaState, delayMs: number, now: Date): SagaState {
  requirePhase(state);
  const next = moved(state, now.toISOString());
  return { ...next, continueAt: new Date(now.getTime() + delayMs).toISOString() };
}

/** What the current step's last continued run of `phase` saved; undefined when it never continued. */
export function progressOf(state: SagaState, definition: Definition, phase: StepPhase): unknown {
  const progress = state.progress;
  return progress && progress.step === definition.steps[state.cursor]?.name ? progress[phase] : undefined;
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
  const next: SagaState = { ...state, status: 'running', cursor: pivot + 1, attempts: 0, pivotPassed: true, results, progress: null };
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
 * operator takes over whatever it left). A paused saga is judged by what it was doing: paused while
 * running before the pivot, it compensates at once (the operator asked to roll back, not to wait).
 * Anything else is refused: after the pivot the only way is forward, and a compensation in
 * progress (paused or not) is already the abort.
 */
export function operatorAbort(state: SagaState, definition: Definition, now: Date): SagaState {
  const at = now.toISOString();
  const reason = { step: definition.steps[state.cursor]?.name ?? null, code: 'SAGA.ABORTED', message: 'aborted by an operator' };
  const doing = state.status === 'paused' ? state.pausedFrom : state.status;
  if (doing === 'running' && !state.pivotPassed) return compensateFrom({ ...state, pausedFrom: null, pausedAt: null, reason }, definition, state.cursor, at);
  if (state.status === 'parked') return moved({ ...state, status: 'aborted', parkedFrom: null, reason, finishedAt: at }, at);
  const why = doing === 'running' ? 'it passed its pivot; it can only go forward' : state.status === 'paused' ? `it is paused while ${doing}: resume it, the compensation is already the abort` : `it is ${state.status}`;
  throw new SagaIllegalStateError(state.id, `cannot be aborted: ${why}`);
}

/** Operator: a running or compensating saga stops taking steps; a job delivered meanwhile is stale. */
export function operatorPause(state: SagaState, now: Date): SagaState {
  if (state.status !== 'running' && state.status !== 'compensating') throw new SagaIllegalStateError(state.id, `only a running or compensating saga can be paused (it is ${state.status})`);
  const at = now.toISOString();
  return moved({ ...state, status: 'paused', pausedFrom: state.status, pausedAt: at }, at);
}

/**
 * Operator: a paused saga goes on where it was (its current step runs at once, a continuation's
 * remaining delay is dropped). The pause extends the deadline by its length: an operator pausing a
 * multi-hour data move for the night expects it to go on in the morning, not to roll back hours of
 * copy because the clock ran while it was told to wait. The deadline guards against a saga stuck
 * by failures, and a pause is not one.
 */
export function operatorResume(state: SagaState, now: Date): SagaState {
  if (state.status !== 'paused' || !state.pausedFrom) throw new SagaIllegalStateError(state.id, `only a paused saga can be resumed (it is ${state.status})`);
  const pausedMs = Math.max(0, now.getTime() - Date.parse(state.pausedAt ?? state.updatedAt));
  const deadline = new Date(Date.parse(state.deadline) + pausedMs).toISOString();
  return moved({ ...state, status: state.pausedFrom, pausedFrom: null, pausedAt: null, deadline }, now.toISOString());
}

/**
 * Compensation continues at the highest step ≤ from that has one; none left → compensated. The
 * progress stays only for the step it belongs to (its compensation reads how far the action got).
 */
function compensateFrom(state: SagaState, definition: Definition, from: number, at: string): SagaState {
  let cursor = Math.min(from, definition.steps.length - 1);
  while (cursor >= 0 && !definition.steps[cursor].compensation) cursor--;
  if (cursor < 0) return moved({ ...state, status: 'compensated', cursor: 0, attempts: 0, progress: null, finishedAt: at }, at);
  const progress = state.progress?.step === definition.steps[cursor].name ? state.progress : null;
  return moved({ ...state, status: 'compensating', cursor, attempts: 0, progress }, at);
}

/** Every move bumps the version; only a continuation (stepContinued) leaves a due time for its job. */
function moved(state: SagaState, at: string): SagaState {
  return { ...state, version: state.version + 1, updatedAt: at, continueAt: null };
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
