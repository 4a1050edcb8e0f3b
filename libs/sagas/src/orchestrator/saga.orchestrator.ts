import { randomUUID } from 'node:crypto';
import { hasErrorCode, InternalError, isRetriable, isShardlineError, messageOf } from '@shardline/errors';
import { isContinueLater } from '../definition/continue-later';
import { stepCommandId, type SagaDefinition, type StepContext } from '../definition/saga.definition';
import type { SagaJob, SagaJobOptions, SagaJobQueue } from '../ports/saga-job-queue.port';
import type { SagaListFilter, SagaStore, SagaSummary } from '../ports/saga-store.port';
import { SagaIllegalStateError, SagaNotFoundError, SagaRunBusyError, UnknownSagaTypeError } from '../state/saga.errors';
import { isFinished, phaseOf, type SagaState } from '../state/saga.state';
import * as transitions from '../state/saga.transitions';
import { runWithTimeout } from './run-with-timeout';
import { DEFAULT_RUN_LEASE_MS, StepRun } from './step-run';
import type { SagaMetrics } from './saga.metrics';

/**
 * A definition with the effects its steps are given (commands against shards, the control
 * database...). A process that only starts and watches sagas of a type (the api starting erasures
 * the saga worker runs) registers it without effects; running one of its jobs there is a bug.
 */
export interface RegisteredSaga<I = unknown, E = unknown> {
  definition: SagaDefinition<I, E>;
  effects?: E;
}

export const SAGA_ORCHESTRATOR = Symbol('SagaOrchestrator');

/** What a client polling a saga sees (GET /api/v1/sagas/{id}). */
export interface SagaClientView {
  saga_id: string;
  type: string;
  status: SagaState['status'];
  created_at: string;
  finished_at: string | null;
  /** Once completed: the definition's answer (e.g. an atomic batch's per-record results). */
  result: unknown;
  /** Once compensated, parked or aborted: why. */
  error: { code: string; message: string; step: string | null } | null;
}

export type SagaLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) => void;

export interface SagaOrchestratorOptions {
  sagas: RegisteredSaga<any, any>[];
  store: SagaStore;
  queue: SagaJobQueue;
  /** First retry delay of a failed attempt (doubled per attempt by the queue). */
  retryBackoffMs?: number;
  /** How long a run holds its saga without renewing (renewed every third of it while its work executes). */
  runLeaseMs?: number;
  metrics?: SagaMetrics;
  log?: SagaLog;
  now?: () => Date;
}

/** What one job delivery did: moved the saga (a continuation too), left it for a retry, or found it had moved on. */
export type JobOutcome = 'moved' | 'retry' | 'stale';

/** Tries of an operator's move against steps saving in between (see operatorMove). */
const OPERATOR_MOVE_ATTEMPTS = 5;

/** Thrown to the queue so it redelivers the job after its backoff (the failure is already recorded). */
export class StepAttemptFailed extends Error {
  constructor(cause: unknown) {
    super(messageOf(cause), { cause });
  }
}

/**
 * Runs sagas over two ports, knowing nothing of BullMQ or MySQL. Each job delivery:
 *   1. loads the saga; a job for another version, or for a finished/parked/paused saga, is stale: nothing happens;
 *   2. a saga past its deadline before its pivot turns to compensation instead of running the step;
 *   3. records the attempt (compare-and-set on the version: a concurrent duplicate stops here or at 5);
 *   4. runs the step's action or compensation under its timeout;
 *   5. saves the transition (compare-and-set) and only then enqueues the job of the new version
 *      (a step that returned continueLater: its progress saved, the same step again after its delay);
 *   6. a retriable failure with attempts left is recorded and thrown back to the queue (backoff).
 * A crash between 5's save and its enqueue leaves a saga no job runs for: `resumeIdle` re-enqueues
 * it from the durable state, as it does after Redis lost every job.
 */
export class SagaOrchestrator {
  private readonly byType = new Map<string, RegisteredSaga>();
  private readonly now: () => Date;
  private readonly log: SagaLog;
  private readonly backoffMs: number;
  private readonly runLeaseMs: number;

  constructor(private readonly options: SagaOrchestratorOptions) {
    for (const saga of options.sagas) this.byType.set(saga.definition.type, saga);
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => {});
    this.backoffMs = options.retryBackoffMs ?? 200;
    this.runLeaseMs = options.runLeaseMs ?? DEFAULT_RUN_LEASE_MS;
  }

  /**
   * Starts a saga (durably, then its first job). With an `id` (e.g. derived from an idempotency
   * key) a second start of the same id returns the saga that exists and starts nothing. `payload`
   * is bulk input kept beside the state and read by the steps that ask for it.
   */
  async start(type: string, rawInput: unknown, options: { id?: string; payload?: unknown } = {}): Promise<{ state: SagaState; created: boolean }> {
    const { definition } = this.registered(type);
    const input = definition.parseInput(rawInput);
    const state = transitions.newSagaState(definition, options.id ?? randomUUID(), input, this.now());
    if (!(await this.options.store.create(state, options.payload))) {
      const existing = await this.options.store.load(state.id);
      if (!existing) throw new Error(`saga ${state.id} exists and cannot be read`);
      if (existing.type !== type) throw new SagaIllegalStateError(state.id, `exists with type ${existing.type}, not ${type}`);
      return { state: existing, created: false };
    }
    await this.enqueueFor(state);
    return { state, created: true };
  }

  async runJob(job: SagaJob, signal?: AbortSignal): Promise<JobOutcome> {
    const state = await this.options.store.load(job.sagaId);
    if (!state || state.version !== job.version || !phaseOf(state)) return 'stale';
    const { definition, effects } = this.registered(state.type);
    if (effects === undefined) throw new InternalError('SAGA.NO_EFFECTS', `this process registers ${state.type} sagas without effects: it starts them, a saga worker runs them`);
    if (transitions.isPastDeadline(state, this.now())) return this.move(state, transitions.deadlinePassed(state, definition, this.now()));

    const started = transitions.attemptStarted(state, definition, this.now());
    const run = new StepRun(this.options.store, state.id, this.runLeaseMs, this.log);
    const claim = await this.options.store.claimRun(started, state.version, { token: run.token, leaseMs: this.runLeaseMs });
    if (claim.outcome === 'stale') return 'stale';
    if (claim.outcome === 'busy') {
      // Another run is still executing: never overlap it, and count nothing. One of this version (a
      // duplicate delivery while it runs, or this job's retry while its abandoned work still writes):
      // back to the queue, whose redelivery is stale once that run moved the saga. An older one (its
      // saga moved by an operator meanwhile, or its worker died and the lease has not run out): the
      // step runs again after the lease.
      if (claim.sameVersion) throw new StepAttemptFailed(new SagaRunBusyError(state.id, claim.busyForMs));
      const delayMs = Math.min(claim.busyForMs + 50, this.runLeaseMs);
      this.log('info', `saga ${state.id} (${state.type}): an earlier run still holds it; this step runs in ${delayMs} ms`);
      return this.move(state, transitions.waitingForRun(state, delayMs, this.now()));
    }
    // Counted where sagas run (the worker's /metrics), once: the first attempt of the first step.
    if (state.version === 1 && state.attempts === 0) this.options.metrics?.started.inc({ type: state.type });
    const step = transitions.currentStep(started, definition);
    const phase = phaseOf(started)!;
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    try {
      const result = await runWithTimeout(step.name, step.timeoutMs, signal, (stepSignal) =>
        run.executing(() => {
          const context = this.contextOf(started, effects, stepSignal);
          return phase === 'action' ? step.action(context) : step.compensation!(context).then((r) => (isContinueLater(r) ? r : null));
        }),
      );
      if (isContinueLater(result)) {
        this.options.metrics?.recordStep(state.type, step.name, phase, 'continue', seconds());
        this.log('debug', `saga ${state.id} (${state.type}) ${phase} of ${step.name} continues in ${result.delayMs} ms`);
        return await this.move(started, transitions.stepContinued(started, definition, result.progress, result.delayMs, this.now()), run);
      }
      this.options.metrics?.recordStep(state.type, step.name, phase, 'ok', seconds());
      return await this.move(started, transitions.stepSucceeded(started, definition, result, this.now()), run);
    } catch (error) {
      if (phase === 'compensation' && hasErrorCode(error, 'SAGA.PIVOT_REACHED')) {
        this.log('warn', `saga ${state.id} (${state.type}): ${messageOf(error)}; going forward instead`);
        return this.move(started, transitions.pivotReached(started, definition, this.now()), run);
      }
      const final = !isRetriable(error) || started.attempts >= transitions.attemptsAllowed(started, definition);
      this.options.metrics?.recordStep(state.type, step.name, phase, final ? 'failed' : 'retry', seconds());
      const code = isShardlineError(error) ? error.code : 'INTERNAL';
      this.log(final ? 'error' : 'warn', `saga ${state.id} (${state.type}) ${phase} of ${step.name} failed (attempt ${started.attempts})`, { code, error: messageOf(error), final });
      const failed = transitions.stepFailed(started, definition, { code, message: messageOf(error) }, final, this.now());
      if (final) return this.move(started, failed, run);
      // Not a move: the version stays, so the queue's redelivery of this job is still valid.
      const token = run.releaseToken();
      if (!(await this.options.store.save(failed, started.version, { releaseRun: token }))) return 'stale';
      run.releasedBySave(token);
      throw new StepAttemptFailed(error);
    } finally {
      // A save that lost to an operator (stale) did not end the lease: end it once the work settled.
      run.finish();
    }
  }

  async get(id: string): Promise<SagaState> {
    const state = await this.options.store.load(id);
    if (!state) throw new SagaNotFoundError(id);
    return state;
  }

  /** `asIfCompleted`: answer the result as soon as the pivot passed (the outcome is decided; later steps only carry it out). */
  async clientView(id: string, options: { asIfCompleted?: boolean } = {}): Promise<SagaClientView> {
    const state = await this.get(id);
    const { definition } = this.registered(state.type);
    const last = definition.steps[definition.steps.length - 1].name;
    const completed = { sagaId: state.id, input: state.input, results: state.results, payload: <P>() => this.payloadOf<P>(state.id) };
    const decided = state.status === 'completed' || (options.asIfCompleted === true && state.pivotPassed);
    const result = !decided ? null : definition.result ? await definition.result(completed) : (state.results[last] ?? null);
    const failed = state.status === 'compensated' || state.status === 'parked' || state.status === 'aborted';
    return {
      saga_id: state.id,
      type: state.type,
      status: state.status,
      created_at: state.createdAt,
      finished_at: state.finishedAt,
      result,
      error: failed && state.reason ? { code: state.reason.code, message: state.reason.message, step: state.reason.step } : null,
    };
  }

  list(filter: SagaListFilter): Promise<SagaSummary[]> {
    return this.options.store.list(filter);
  }

  /** Operator: resume a parked saga where it stopped. */
  retry(id: string): Promise<SagaState> {
    return this.operatorMove(id, (state) => transitions.operatorRetry(state, this.now()));
  }

  /** Operator: compensate a saga before its pivot (paused or not), or give up a parked one. */
  abort(id: string): Promise<SagaState> {
    return this.operatorMove(id, (state) => transitions.operatorAbort(state, this.registered(state.type).definition, this.now()));
  }

  /**
   * Operator: a running or compensating saga takes no further step until resumed. A run already
   * under way finishes but cannot save (the version moved): its step runs again after the resume.
   */
  pause(id: string): Promise<SagaState> {
    return this.operatorMove(id, (state) => transitions.operatorPause(state, this.now()));
  }

  /** Operator: a paused saga goes on with its current step (enqueued at once), its deadline extended by the pause. */
  resume(id: string): Promise<SagaState> {
    return this.operatorMove(id, (state) => transitions.operatorResume(state, this.now()));
  }

  /**
   * Re-enqueues the job of every running or compensating saga that has not moved for `idleMs`. A
   * continued step keeps its due time: a job lost with Redis comes back with what is left of its delay.
   */
  async resumeIdle(idleMs: number, limit = 500): Promise<number> {
    const idle = await this.options.store.findIdle(new Date(this.now().getTime() - idleMs), limit);
    for (const { id, version } of idle) {
      const state = await this.options.store.load(id);
      if (state && state.version === version && phaseOf(state)) await this.options.queue.ensure({ sagaId: id, version }, this.jobOptions(state));
    }
    return idle.length;
  }

  /** Drops the payloads of sagas finished more than `retentionMs` ago (their answers no longer list the records). */
  purgePayloads(retentionMs: number, limit = 500): Promise<number> {
    return this.options.store.purgeFinishedPayloads(new Date(this.now().getTime() - retentionMs), limit);
  }

  /**
   * Polls the durable state until `until` holds (default: the saga is finished or parked, not
   * merely paused) or the time is up, and returns the last state seen.
   */
  async awaitSettled(id: string, timeoutMs: number, until: (state: SagaState) => boolean = (s) => isFinished(s) || s.status === 'parked'): Promise<SagaState> {
    const deadline = Date.now() + timeoutMs;
    for (let wait = 5; ; wait = Math.min(50, wait * 2)) {
      const state = await this.get(id);
      if (until(state) || Date.now() >= deadline) return state;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(1, deadline - Date.now()))));
    }
  }

  /**
   * An operator's move, from the saga's latest state. A step saving in between (a saga that
   * continues every few hundred ms saves that often) makes the conditional save miss: the move is
   * worked out again from the new state — legal or refused on what the saga is now — a few times
   * before the operator is told to look again.
   */
  private async operatorMove(id: string, transition: (state: SagaState) => SagaState): Promise<SagaState> {
    let before = await this.get(id);
    let after = transition(before);
    for (let attempt = 1; !(await this.options.store.save(after, before.version)); attempt++) {
      if (attempt >= OPERATOR_MOVE_ATTEMPTS) throw new SagaIllegalStateError(id, 'changed while the operator acted; look again');
      before = await this.get(id);
      after = transition(before);
    }
    this.options.metrics?.recordMove(after.type, after.status);
    this.log('info', `saga ${after.id} (${after.type}): an operator moved it from ${before.status} to ${after.status}`);
    await this.enqueueFor(after);
    return after;
  }

  /** `run`: this job's run; when its work has settled, its lease ends with the save. */
  private async move(before: SagaState, after: SagaState, run?: StepRun): Promise<JobOutcome> {
    const releaseRun = run?.releaseToken();
    if (!(await this.options.store.save(after, before.version, { releaseRun }))) return 'stale';
    run?.releasedBySave(releaseRun);
    if (after.status !== before.status) {
      this.options.metrics?.recordMove(after.type, after.status);
      this.log(after.status === 'parked' ? 'error' : 'info', `saga ${after.id} (${after.type}) is ${after.status}`, { reason: after.reason });
    }
    await this.enqueueFor(after);
    return 'moved';
  }

  /**
   * The state is already durable here, so a queue that cannot take the job (Redis down) is not an
   * error of the caller's: the resumer enqueues the job once the queue is back.
   */
  private async enqueueFor(state: SagaState): Promise<void> {
    if (isFinished(state) || !phaseOf(state)) return;
    try {
      await this.options.queue.enqueue({ sagaId: state.id, version: state.version }, this.jobOptions(state));
    } catch (error) {
      this.log('warn', `saga ${state.id}: could not enqueue its next job (the resumer will): ${messageOf(error)}`);
    }
  }

  private jobOptions(state: SagaState): SagaJobOptions {
    // The durable attempt count decides when a step fails for good; the queue only needs to keep
    // redelivering until then (plus room for deliveries lost to crashes before they were counted).
    const allowed = transitions.attemptsAllowed(state, this.registered(state.type).definition);
    const delayMs = state.continueAt ? Math.max(0, Date.parse(state.continueAt) - this.now().getTime()) : 0;
    return { attempts: allowed + 3, backoffMs: this.backoffMs, delayMs };
  }

  private contextOf(state: SagaState, effects: unknown, signal: AbortSignal): StepContext<unknown, unknown> {
    const { definition } = this.registered(state.type);
    const step = definition.steps[state.cursor];
    const phase = phaseOf(state) ?? 'action';
    // Copies: a step mutating what it read must not change the state this run saves afterwards.
    const saved = <T>(of: 'action' | 'compensation') => structuredClone(transitions.progressOf(state, definition, of)) as T | undefined;
    return {
      progress: <T>() => saved<T>(phase),
      actionProgress: <T>() => saved<T>('action'),
      sagaId: state.id,
      input: state.input,
      results: state.results,
      payload: <P>() => this.payloadOf<P>(state.id),
      commandId: (part) => stepCommandId(state.id, step.name, part),
      effects,
      signal,
    };
  }

  private async payloadOf<P>(id: string): Promise<P> {
    const payload = await this.options.store.loadPayload(id);
    if (payload === null) throw new InternalError('SAGA.PAYLOAD_MISSING', `saga ${id} has no payload (none given, or purged)`);
    return payload as P;
  }

  private registered(type: string): RegisteredSaga {
    const saga = this.byType.get(type);
    if (!saga) throw new UnknownSagaTypeError(type);
    return saga;
  }
}
