import { PendingInvalidation, PendingInvalidationStore, WriterRegistry } from '../fence/cache-fence.ports';

/** The members hash on a clock of its own (`redisNow`), for unit tests; `down` fails every call. */
export class InMemoryWriterRegistry implements WriterRegistry {
  readonly leases = new Map<string, number>();
  down = false;

  constructor(readonly redisNow: () => number) {}

  /** The lookup script's check: may readers use the cache now? */
  cacheUsable(): boolean {
    return [...this.leases.values()].every((expiry) => expiry > Math.floor(this.redisNow()));
  }

  async time(): Promise<number> {
    return this.now();
  }

  async join(id: string, expiry: number, replacing: string | null): Promise<number> {
    const now = this.now();
    if (replacing) this.leases.delete(replacing);
    this.leases.set(id, Math.max(expiry, this.leases.get(id) ?? 0));
    return now;
  }

  async heartbeat(id: string, expiry: number): Promise<{ redisMs: number; member: boolean }> {
    const now = this.now();
    if (!this.leases.has(id)) return { redisMs: now, member: false };
    this.leases.set(id, Math.max(expiry, this.leases.get(id)!));
    return { redisMs: now, member: true };
  }

  async staleMembers(graceMs: number): Promise<string[]> {
    const now = this.now();
    return [...this.leases].filter(([, expiry]) => expiry + graceMs <= now).map(([id]) => id);
  }

  async remove(ids: string[], graceMs: number): Promise<string[]> {
    const stale = new Set(await this.staleMembers(graceMs));
    const removed = ids.filter((id) => stale.has(id));
    for (const id of removed) this.leases.delete(id);
    return removed;
  }

  async leave(id: string): Promise<void> {
    this.check();
    this.leases.delete(id);
  }

  private now(): number {
    this.check();
    return Math.floor(this.redisNow());
  }

  private check(): void {
    if (this.down) throw new Error('redis unreachable');
  }
}

/** `pending_cache_invalidations` + `cache_writer_fences` of `shardCount` shards, for unit tests. */
export class InMemoryPendingInvalidationStore implements PendingInvalidationStore {
  readonly rows: Array<PendingInvalidation & { shard: number; writerId: string }> = [];
  readonly swept = new Set<string>();
  private nextRow = 1;

  constructor(readonly shardCount: number) {}

  async record(shard: number, writerId: string, liveIds: string[], businessId: string, recordId: string): Promise<boolean> {
    if ([writerId, ...liveIds].some((id) => this.swept.has(id))) return false;
    this.rows.push({ shard, writerId, rowId: String(this.nextRow++), businessId, recordId });
    return true;
  }

  async markSwept(writerIds: string[]): Promise<void> {
    for (const id of writerIds) this.swept.add(id);
  }

  async list(shard: number, writerIds: string[] | null, limit: number): Promise<PendingInvalidation[]> {
    return this.rows.filter((r) => r.shard === shard && (!writerIds || writerIds.includes(r.writerId))).slice(0, limit);
  }

  async delete(shard: number, rowIds: string[]): Promise<void> {
    for (const rowId of rowIds) {
      const i = this.rows.findIndex((r) => r.shard === shard && r.rowId === rowId);
      if (i >= 0) this.rows.splice(i, 1);
    }
  }
}
