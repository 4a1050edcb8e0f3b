import { OPEN_SAGA_STATUSES, sagaSummaryOf, type OpenSagaCount, type RunClaim, type SagaListFilter, type SagaStore, type SagaSummary } from '../ports/saga-store.port';
import { isFinished, type SagaState } from '../state/saga.state';

/** SagaStore in memory (unit specs); states are copied in and out, as a database would. */
export class InMemorySagaStore implements SagaStore {
  private readonly sagas = new Map<string, SagaState>();
  private readonly payloads = new Map<string, unknown>();
  private readonly runs = new Map<string, { token: string; until: number; version: number }>();

  /** `now`: the lease clock (ms), injectable for specs. */
  constructor(private readonly now: () => number = () => Date.now()) {}

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

  async save(state: SagaState, expectedVersion: number, options: { releaseRun?: string } = {}): Promise<boolean> {
    const current = this.sagas.get(state.id);
    if (!current || current.version !== expectedVersion) return false;
    this.sagas.set(state.id, structuredClone(state));
    if (options.releaseRun !== undefined) await this.releaseRun(state.id, options.releaseRun);
    return true;
  }

  async claimRun(state: SagaState, expectedVersion: number, run: { token: string; leaseMs: number }): Promise<RunClaim> {
    const current = this.sagas.get(state.id);
    if (!current || current.version !== expectedVersion) return { outcome: 'stale' };
    const held = this.runs.get(state.id);
    if (held && held.until > this.now()) return { outcome: 'busy', busyForMs: held.until - this.now(), sameVersion: held.version === expectedVersion };
    this.sagas.set(state.id, structuredClone(state));
    this.runs.set(state.id, { token: run.token, until: this.now() + run.leaseMs, version: expectedVersion });
    return { outcome: 'claimed' };
  }

  async renewRun(id: string, token: string, leaseMs: number): Promise<boolean> {
    const held = this.runs.get(id);
    if (held?.token !== token) return false;
    held.until = this.now() + leaseMs;
    return true;
  }

  async releaseRun(id: string, token: string): Promise<void> {
    if (this.runs.get(id)?.token === token) this.runs.delete(id);
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
