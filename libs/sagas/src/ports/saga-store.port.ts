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
  /** Writes `state` if the stored version is still `expectedVersion`; false when another writer won. */
  save(state: SagaState, expectedVersion: number): Promise<boolean>;
  list(filter: SagaListFilter): Promise<SagaSummary[]>;
  /**
   * Running or compensating sagas whose state has not changed since `before`: their job may be lost.
   * Paused and parked sagas have no job and are not listed.
   */
  findIdle(before: Date, limit: number): Promise<Array<{ id: string; version: number }>>;
  /** Unfinished sagas (running, compensating, paused, parked) by type and status, with the oldest last change of each (metrics, alerts). */
  countOpen(): Promise<OpenSagaCount[]>;
}

export const OPEN_SAGA_STATUSES = ['running', 'compensating', 'paused', 'parked'] as const satisfies readonly SagaStatus[];

export interface OpenSagaCount {
  type: string;
  status: (typeof OPEN_SAGA_STATUSES)[number];
  count: number;
  /** updated_at of the saga of this type and status that has waited longest. */
  oldestUpdatedAt: Date;
}
