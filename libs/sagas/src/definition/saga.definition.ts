import type { ContinueLater } from './continue-later';

/**
 * A saga definition: a plain module that reads top to bottom — step, action, compensation —
 * and knows nothing of BullMQ, MySQL or Nest. Its effects (commands against shards, the control
 * database, read models) are injected as `E`, the way Temporal's saga sample injects activities,
 * so the same definition runs on the real adapters and in unit specs.
 */
export interface StepContext<I, E> {
  readonly sagaId: string;
  readonly input: I;
  /**
   * The saga's payload, when it was started with one: bulk data (e.g. the 10,000 records of an
   * atomic batch) stored durably beside the state but read only by the steps that need it.
   */
  payload<P>(): Promise<P>;
  /** Results of the steps that succeeded so far, by step name. */
  readonly results: Readonly<Record<string, unknown>>;
  /**
   * The command id of this step (and of one part of it, e.g. a shard): derived from (saga id, step,
   * part) only, never from the attempt, so a retried, redelivered or duplicated job repeats the same
   * command and the shard's idempotency store answers it without writing twice.
   */
  commandId(part?: string | number): string;
  readonly effects: E;
  /** Aborted when the step's timeout passes or the worker shuts down: stop early, the step is retried. */
  readonly signal: AbortSignal;
  /**
   * What this step's last run of this phase saved with continueLater; undefined on its first run
   * (and again after the step finished). A run that is retried after a failure reads the progress of
   * the last run that continued: its own partial work is redone under the same command ids.
   */
  progress<T>(): T | undefined;
  /** In a compensation: how far the step's action got (its last continueLater progress); undefined if it never continued. */
  actionProgress<T>(): T | undefined;
}

export interface CompletedSaga<I> {
  readonly sagaId: string;
  readonly input: I;
  readonly results: Readonly<Record<string, unknown>>;
  /** The payload, kept for a while after the saga finished (see SagaStore.purgeFinished). */
  payload<P>(): Promise<P>;
}

export interface SagaStep<I, E> {
  readonly name: string;
  /** Longest one attempt may take; then it is abandoned (signal aborted) and retried. */
  readonly timeoutMs: number;
  /** Attempts of the action before it fails for good (retriable errors only; default 5). */
  readonly attempts?: number;
  /** Attempts of the compensation before the saga is parked for an operator (default 10). */
  readonly compensationAttempts?: number;
  /**
   * Must be idempotent under its command ids; its (JSON) result is kept in the saga state. May
   * return continueLater(progress, delayMs) to run again later with that progress (a chunk done).
   */
  action(context: StepContext<I, E>): Promise<unknown>;
  /**
   * Undoes the action, also a partial or never-started one (it runs for the step that failed too,
   * since a failed attempt may have done part of its work). Idempotent; retried until it succeeds.
   * May return continueLater too (undo a large copy chunk by chunk).
   */
  compensation?(context: StepContext<I, E>): Promise<void | ContinueLater>;
  /**
   * The point of no return: once this step succeeded, the saga only goes forward — later steps
   * are retried (and parked if they keep failing), never compensated, and the deadline no longer applies.
   */
  readonly pivot?: boolean;
}

export interface SagaDefinition<I = unknown, E = unknown> {
  /** Stable name: stored with every saga, used in metrics and the admin API (`atomic-batch`). */
  readonly type: string;
  /** A saga still before its pivot this long after it started compensates instead of going on. */
  readonly deadlineMs: number;
  /** Validates the stored input (throw a ShardlineError of kind validation). */
  parseInput(raw: unknown): I;
  readonly steps: readonly SagaStep<I, E>[];
  /** What the client is answered once the saga completed (default: the last step's result). */
  result?(completed: CompletedSaga<I>): Promise<unknown>;
}

export const DEFAULT_STEP_ATTEMPTS = 5;
export const DEFAULT_COMPENSATION_ATTEMPTS = 10;

/** Checks the shape once, where the definition is declared: unique step names, at most one pivot. */
export function defineSaga<I, E>(definition: SagaDefinition<I, E>): SagaDefinition<I, E> {
  if (!/^[a-z][a-z0-9-]{0,47}$/.test(definition.type)) throw new TypeError(`saga type ${definition.type} must be kebab-case, at most 48 characters`);
  if (definition.steps.length === 0) throw new TypeError(`saga ${definition.type} has no steps`);
  const names = new Set<string>();
  for (const step of definition.steps) {
    if (!/^[a-z][a-z0-9-]{0,47}$/.test(step.name)) throw new TypeError(`step ${step.name} of saga ${definition.type} must be kebab-case`);
    if (names.has(step.name)) throw new TypeError(`saga ${definition.type} has two steps named ${step.name}`);
    names.add(step.name);
    if (!(step.timeoutMs > 0)) throw new TypeError(`step ${step.name} of saga ${definition.type} needs a positive timeoutMs`);
  }
  if (definition.steps.filter((s) => s.pivot).length > 1) throw new TypeError(`saga ${definition.type} has more than one pivot step`);
  return definition;
}

/** The command id of (saga, step, part): see StepContext.commandId. */
export function stepCommandId(sagaId: string, step: string, part?: string | number): string {
  return part === undefined ? `saga:${sagaId}:${step}` : `saga:${sagaId}:${step}:${part}`;
}
