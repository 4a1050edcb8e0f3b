import { MAX_WORKER_ID } from './snowflake';
import type { WorkerIdHolder, WorkerIdLeaseStore } from './worker-id-lease';

/** Leases in memory (unit tests; one process): same rules as the MySQL store, on an injectable clock. */
export class InMemoryWorkerIdLeaseStore implements WorkerIdLeaseStore {
  private readonly leases = new Map<number, { token: string; until: number }>();
  /** Set to make every call fail, like a control database that is down. */
  unavailable = false;

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(holder: WorkerIdHolder, ttlMs: number, preferred?: number): Promise<number | null> {
    this.check();
    const now = this.now();
    const candidates = preferred === undefined ? [] : [preferred];
    for (let id = 0; id <= MAX_WORKER_ID; id++) candidates.push(id);
    for (const id of candidates) {
      const lease = this.leases.get(id);
      if (!lease || lease.until <= now) {
        this.leases.set(id, { token: holder.token, until: now + ttlMs });
        return id;
      }
    }
    return null;
  }

  async renew(workerId: number, holder: WorkerIdHolder, ttlMs: number): Promise<boolean> {
    this.check();
    const lease = this.leases.get(workerId);
    if (!lease || lease.token !== holder.token) return false;
    lease.until = this.now() + ttlMs;
    return true;
  }

  async release(workerId: number, holder: WorkerIdHolder): Promise<void> {
    this.check();
    if (this.leases.get(workerId)?.token === holder.token) this.leases.delete(workerId);
  }

  private check(): void {
    if (this.unavailable) throw new Error('lease store unavailable');
  }
}
