import type { SagaState, SagaStatus } from '../state/saga.state';

export interface SagaListFilter {
  status?: SagaStatus;
  type?: string;
  /** Newest first; pass the last id of a page to get the next one. */
  beforeId?: string;
  limit: number;
}

/** What the admin list shows per saga (the full state comes from `load`). */
export type SagaSummary = Pick<SagaState, 'id' | 'type' | 'status' | 'cursor' | 'version' | 'attempts' | 'pivotPassed' | 'deadline' | 'reason' | 'createdAt' | 'updatedAt' | 'finishedAt'>;

/** The summary of a state, for every SagaStore's `list` (the same fields, whatever the adapter). */
export function sagaSummaryOf(state: SagaState): SagaSummary {
  const { id, type, status, cursor, version, attempts, pivotPassed, deadline, reason, createdAt, updatedAt, finishedAt } = state;
  return { id, type, status, cursor, version, attempts, pivotPassed, deadline, reason, createdAt, updatedAt, finishedAt };
}

/**
 * Durable saga state (the control database). Every transition is a compare-and-set on the
 * version, so two deliveries of one job cannot both move the saga.
 */
export interface SagaStore {
  /**
   * Inserts a new saga with its payload (bulk input, JSON), in one transaction; false (and nothing
   * written) when one with this id exists already.
   */
  create(state: SagaState, payload?: unknown): Promise<boolean>;
  load(id: string): Promise<SagaState | null>;
  /** The payload given to `create`; null when there was none or it was purged. */
  loadPayload(id: string): Promise<unknown>;
  /** Deletes the payloads of sagas that finished before `before` (retention); returns how many. */
  purgeFinishedPayloads(before: Date, limit: number): Promise<number>;
  /**
   * Writes `state` if the stored version is still `expectedVersion`; false when another writer won.
   * `releaseRun`: in the same write, ends the run lease if that token still holds it (a run that
   * finished hands the saga on atomically: the job this save enqueues never finds it busy).
   */
  save(state: SagaState, expectedVersion: number, options?: { releaseRun?: string }): Promise<boolean>;
  /**
   * Saves `state` (an attempt starting) like `save`, and in the same write takes the saga's run
   * lease for `leaseMs` under `token` — only when no other run holds an unexpired lease. One run
   * of a saga at a time: an abandoned run (past its timeout, or its saga moved by an operator) may
   * still be executing its effects, and the next run, or a compensation, must not overlap it.
   * The lease is timed by the store's clock (the control database's), not the workers'.
   */
  claimRun(state: SagaState, expectedVersion: number, run: { token: string; leaseMs: number }): Promise<RunClaim>;
  /** Extends the lease while its run is still executing; false when `token` no longer holds it. */
  renewRun(id: string, token: string, leaseMs: number): Promise<boolean>;
  /** Ends the lease if `token` still holds it (the run's work has settled). */
  releaseRun(id: string, token: string): Promise<void>;
  list(filter: SagaListFilter): Promise<SagaSummary[]>;
  /**
   * Running or compensating sagas whose state has not changed since `before`: their job may be lost.
   * Paused and parked sagas have no job and are not listed.
   */
  findIdle(before: Date, limit: number): Promise<Array<{ id: string; version: number }>>;
  /** Unfinished sagas (running, compensating, paused, parked) by type and status, with the oldest last change of each (metrics, alerts). */
  countOpen(): Promise<OpenSagaCount[]>;
}

/**
 * claimRun's answer: taken; the version moved (the job is stale); or another run holds the lease for
 * about `busyForMs` more — one that claimed this very version (`sameVersion`: a duplicate delivery of
 * the job, or its retry while the abandoned run's work still executes) or an older one.
 */
export type RunClaim = { outcome: 'claimed' } | { outcome: 'stale' } | { outcome: 'busy'; busyForMs: number; sameVersion: boolean };

export const OPEN_SAGA_STATUSES = ['running', 'compensating', 'paused', 'parked'] as const satisfies readonly SagaStatus[];

export interface OpenSagaCount {
  type: string;
  status: (typeof OPEN_SAGA_STATUSES)[number];
  count: number;
  /** updated_at of the saga of this type and status that has waited longest. */
  oldestUpdatedAt: Date;
}
