import { OPEN_SAGA_STATUSES, sagaSummaryOf, type OpenSagaCount, type SagaListFilter, type SagaStore, type SagaSummary } from '../ports/saga-store.port';
import { isFinished, type SagaState } from '../state/saga.state';

/** SagaStore in memory (unit specs); states are copied in and out, as a database would. */
export class InMemorySagaStore implements SagaStore {
  private readonly sagas = new Map<string, SagaState>();
  private readonly payloads = new Map<string, unknown>();

  async create(state: SagaState, payload?: unknown): Promise<boolean> {
    if (this.sagas.has(state.id)) return false;
    this.sagas.set(state.id, structuredClone(state));
    if (payload !== undefined) this.payloads.set(state.id, structuredClone(payload));
    return true;
  }

  async loadPayload(id: string): Promise<unknown> {
    return structuredClone(this.payloads.get(id) ?? null);
  }

  async load(id: string): Promise<SagaState | null> {
    const state = this.sagas.get(id);
    return state ? structuredClone(state) : null;
  }

  async save(state: SagaState, expectedVersion: number): Promise<boolean> {
    const current = this.sagas.get(state.id);
    if (!current || current.version !== expectedVersion) return false;
    this.sagas.set(state.id, structuredClone(state));
    return true;
  }

  async purgeFinishedPayloads(before: Date, limit: number): Promise<number> {
    const purged = [...this.sagas.values()].filter((s) => isFinished(s) && s.finishedAt !== null && Date.parse(s.finishedAt) < before.getTime() && this.payloads.has(s.id)).slice(0, limit);
    for (const s of purged) this.payloads.delete(s.id);
    return purged.length;
  }

  async list(filter: SagaListFilter): Promise<SagaSummary[]> {
    return [...this.sagas.values()]
      .filter((s) => (!filter.status || s.status === filter.status) && (!filter.type || s.type === filter.type))
      .sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt)))
      .filter((s, _, all) => !filter.beforeId || all.findIndex((x) => x.id === filter.beforeId) < all.indexOf(s))
      .slice(0, filter.limit)
      .map((s) => structuredClone(sagaSummaryOf(s)));
  }

  async findIdle(before: Date, limit: number): Promise<Array<{ id: string; version: number }>> {
    return [...this.sagas.values()]
      .filter((s) => (s.status === 'running' || s.status === 'compensating') && Date.parse(s.updatedAt) < before.getTime())
      .slice(0, limit)
      .map((s) => ({ id: s.id, version: s.version }));
  }

  async countOpen(): Promise<OpenSagaCount[]> {
    const counts = new Map<string, OpenSagaCount>();
    for (const s of this.sagas.values()) {
      const status = OPEN_SAGA_STATUSES.find((open) => open === s.status);
      if (!status) continue;
      const updated = new Date(s.updatedAt);
      const count = counts.get(`${s.type}/${status}`);
      if (!count) counts.set(`${s.type}/${status}`, { type: s.type, status, count: 1, oldestUpdatedAt: updated });
      else {
        count.count++;
        if (updated < count.oldestUpdatedAt) count.oldestUpdatedAt = updated;
      }
    }
    return [...counts.values()];
  }
}
