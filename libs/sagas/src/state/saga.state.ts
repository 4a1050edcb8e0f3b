/**
 * The durable state of one saga, stored as one row of the control database. Dates are ISO
 * strings so the whole state is plain JSON (what the admin API shows is what is stored).
 */
export type SagaStatus = 'running' | 'compensating' | 'paused' | 'completed' | 'compensated' | 'parked' | 'aborted';

export const SAGA_STATUSES: readonly SagaStatus[] = ['running', 'compensating', 'paused', 'completed', 'compensated', 'parked', 'aborted'];

/** No job runs for these; only an operator moves a parked (retry, abort) or paused (resume, abort) saga. */
export const FINISHED_STATUSES: readonly SagaStatus[] = ['completed', 'compensated', 'aborted'];

export type StepPhase = 'action' | 'compensation';

/** One line of the saga's step table: what ran, how often, how long, how it ended. */
export interface StepLog {
  step: string;
  phase: StepPhase;
  status: 'running' | 'succeeded' | 'failed';
  /** Runs counted as attempts: every run except those that ended in continueLater. */
  attempts: number;
  /**
   * Runs that ended in continueLater (one chunk done, the step goes on in a later job). Absent on
   * steps logged before continuations existed.
   */
  continuations?: number;
  startedAt: string;
  finishedAt: string | null;
  lastError: string | null;
}

export interface SagaFailure {
  at: string;
  step: string;
  phase: StepPhase;
  attempt: number;
  code: string;
  message: string;
  /** True when this failure ended the step (compensate or park), false when it was retried. */
  final: boolean;
}

export interface StepProgress {
  step: string;
  action?: unknown;
  compensation?: unknown;
}

export interface SagaState {
  id: string;
  type: string;
  status: SagaStatus;
  input: unknown;
  /** Index of the step whose action (running) or compensation (compensating) runs next. */
  cursor: number;
  /**
   * Bumped by every transition. A job carries the version it was enqueued for and does nothing
   * when the saga has moved on: duplicated or stale deliveries change nothing.
   */
  version: number;
  /** Attempts made of the current action or compensation. */
  attempts: number;
  pivotPassed: boolean;
  results: Record<string, unknown>;
  deadline: string;
  /** Where a parked saga resumes when an operator retries it. */
  parkedFrom: 'running' | 'compensating' | null;
  // The four fields below are absent (undefined) in sagas stored before pause and continueLater existed.
  /** Where a paused saga resumes when an operator resumes it, and since when it is paused. */
  pausedFrom?: 'running' | 'compensating' | null;
  pausedAt?: string | null;
  /**
   * What the current step saved with continueLater, by phase: the action's progress stays for its
   * compensation (how far the action got). Cleared when the cursor moves to another step.
   */
  progress?: StepProgress | null;
  /** When the job of a continued step is due (its delay); the resumer re-enqueues with what is left of it. */
  continueAt?: string | null;
  /** Why the saga compensated, was parked or aborted. */
  reason: { step: string | null; code: string; message: string } | null;
  steps: StepLog[];
  /** The most recent failures (bounded), newest last. */
  failures: SagaFailure[];
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export function isFinished(state: SagaState): boolean {
  return FINISHED_STATUSES.includes(state.status);
}

/** What a job of this saga would run now, or null when no job should run (finished, parked or paused). */
export function phaseOf(state: SagaState): StepPhase | null {
  return state.status === 'running' ? 'action' : state.status === 'compensating' ? 'compensation' : null;
}
