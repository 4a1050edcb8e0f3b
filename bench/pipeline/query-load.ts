import { percentile } from '../ingest/workload';

/** A latency for the report: one decimal below 10 ms, 'n/a' when nothing was measured. */
export const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 1 : 0)} ms` : 'n/a');

export type QueryKind = 'search' | 'lookup';
export interface HotRecord {
  business_id: string;
  id: string;
}

/**
 * Searches and id lookups against the query API at a fixed rate each while the writes go on
 * (open loop). Latency is measured from when a request was due, not when it was sent, so a
 * stalled client loop cannot hide a slow server (no coordinated omission). A fixed rate, unlike
 * clients that fire back to back, leaves the rest of the machine to the write pipeline: closed-loop
 * clients would soak up every idle cycle and measure how much CPU was left, not the latency.
 * At most `maxInFlight` requests of a kind are outstanding; further ticks are counted as dropped.
 */
export class QueryLoad {
  private timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly latencies: Record<QueryKind, number[]> = { search: [], lookup: [] };
  private readonly errors: Record<QueryKind, number> = { search: 0, lookup: 0 };
  private readonly dropped: Record<QueryKind, number> = { search: 0, lookup: 0 };
  private readonly outstanding: Record<QueryKind, number> = { search: 0, lookup: 0 };

  constructor(
    private readonly baseUrl: string,
    private readonly hot: HotRecord[],
    readonly rates: Record<QueryKind, number>,
    private readonly maxInFlight = 64,
  ) {}

  start(): void {
    for (const kind of ['search', 'lookup'] as const) {
      const rate = this.rates[kind];
      if (rate <= 0) continue;
      const interval = 1000 / rate;
      const started = performance.now();
      let sent = 0;
      // A coarse timer that sends every request that has come due since the last tick.
      this.timers.push(
        setInterval(() => {
          const now = performance.now();
          while (started + sent * interval <= now) this.send(kind, started + sent++ * interval);
        }, Math.max(1, Math.min(interval, 10))),
      );
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.inFlight);
  }

  p99(kind: QueryKind): number {
    return percentile([...this.latencies[kind]].sort((a, b) => a - b), 99);
  }

  /** Whether the p99 target holds: every request answered (none dropped, none failed) and p99 below it. */
  meets(kind: QueryKind, p99TargetMs: number): boolean {
    return this.latencies[kind].length > 0 && this.dropped[kind] === 0 && this.errors[kind] === 0 && this.p99(kind) < p99TargetMs;
  }

  summary(kind: QueryKind): string {
    const sorted = [...this.latencies[kind]].sort((a, b) => a - b);
    return `p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted[sorted.length - 1])} over ${sorted.length} requests, ${this.errors[kind]} errors, ${this.dropped[kind]} dropped`;
  }

  private send(kind: QueryKind, due: number): void {
    if (this.hot.length === 0) return;
    if (this.outstanding[kind] >= this.maxInFlight) {
      this.dropped[kind]++;
      return;
    }
    const target = this.hot[Math.floor(Math.random() * Math.min(this.hot.length, 200))];
    this.outstanding[kind]++;
    const request = this.request(kind, target)
      .then((status) => {
        if (status === 200) this.latencies[kind].push(performance.now() - due);
        else this.errors[kind]++;
      })
      .catch(() => void this.errors[kind]++)
      .finally(() => {
        this.outstanding[kind]--;
        this.inFlight.delete(request);
      });
    this.inFlight.add(request);
  }

  private async request(kind: QueryKind, target: HotRecord): Promise<number> {
    const res =
      kind === 'search'
        ? await fetch(`${this.baseUrl}/api/v1/data/search`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ keyword: 'paid', business_id: target.business_id, page_size: 20, sort: 'created_time_desc' }),
          })
        : await fetch(`${this.baseUrl}/api/v1/data/${encodeURIComponent(target.business_id)}/${target.id}`);
    await res.arrayBuffer();
    return res.status;
  }
}
