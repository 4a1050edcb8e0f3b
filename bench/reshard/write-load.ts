import { Rng } from '../chaos/rng';
import type { SampledRecord } from '../scale/loader';
import { businessIdOf, userIdOf, type Workload } from '../scale/workload';

/** One write request as the client saw it: when it started, how long it took, what it answered. */
export interface WriteOp {
  kind: 'create' | 'update';
  /** ms since the load started. */
  startMs: number;
  latencyMs: number;
  /** HTTP status; 0 = no answer (timeout or connection error: the write may or may not be stored). */
  status: number;
  /** The error code of a non-2xx answer (`EVENT_STORE.SLOT_MOVED`, ...). */
  code?: string;
  /** The error message of a non-2xx answer (first 160 characters). */
  message?: string;
  businessId: string;
  /** Record id and stream version the api acknowledged (2xx only). */
  id?: string;
  version?: number;
}

export interface WriteLoadOptions {
  apiUrl: string;
  /** Requests offered per second (open loop: a slow answer does not slow the offered rate). */
  rate: number;
  /** Share of requests that are merge patches of an existing record (the rest are creates). */
  updateShare: number;
  /** Requests in flight at most; an offer beyond it is counted as skipped, not queued. */
  maxInFlight: number;
  timeoutMs: number;
}

/**
 * The steady write load of the benchmark: single creates over the workload's skewed businesses and
 * merge patches of live records (the loaded ones the loader sampled, then the load's own creates),
 * through the api, open loop. Every request is kept (WriteOp), so the audit knows every
 * acknowledged write and the report can cut latencies into windows.
 */
export class WriteLoad {
  readonly ops: WriteOp[] = [];
  skipped = 0;
  private inFlight = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly pending = new Set<Promise<void>>();
  private readonly rng = new Rng(14);
  readonly startedAt = performance.now();

  constructor(
    private readonly workload: Workload,
    /** Records to patch: live records of the load (it grows with the load's own creates). */
    private readonly live: SampledRecord[],
    private readonly options: WriteLoadOptions,
  ) {}

  now(): number {
    return performance.now() - this.startedAt;
  }

  start(): void {
    this.running = true;
    this.loop = this.offer();
  }

  /** Stops offering and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.pending);
  }

  private async offer(): Promise<void> {
    const begin = this.now();
    let offered = 0;
    while (this.running) {
      const due = Math.floor(((this.now() - begin) / 1000) * this.options.rate) - offered;
      for (let i = 0; i < due; i++) {
        offered++;
        if (this.inFlight >= this.options.maxInFlight) {
          this.skipped++;
          continue;
        }
        const p = this.one().finally(() => this.pending.delete(p));
        this.pending.add(p);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async one(): Promise<void> {
    this.inFlight++;
    const update = this.live.length > 0 && this.rng.next() < this.options.updateShare;
    const target = update ? this.live[Math.floor(this.rng.next() * this.live.length)] : undefined;
    const businessId = target?.businessId ?? businessIdOf(this.workload.businesses.draw(this.rng.next()));
    const n = this.ops.length;
    const op: WriteOp = { kind: update ? 'update' : 'create', startMs: this.now(), latencyMs: 0, status: 0, businessId };
    this.ops.push(op);
    const [method, path, body] = target
      ? ['PATCH', `/api/v1/data/${encodeURIComponent(businessId)}/${target.id}`, { data_content: { status: 'returned', bench_reshard: n } }]
      : ['POST', '/api/v1/data/single', { business_id: businessId, user_id: userIdOf(this.workload.users.draw(this.rng.next())), data_content: { order_id: `reshard-${n}`, amount: 10, bench_reshard: n } }];
    try {
      const res = await fetch(`${this.options.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await res.text();
      op.status = res.status;
      const json = parseJson(text);
      if (res.ok) {
        op.id = String(json?.id ?? target?.id);
        op.version = Number(json?.version);
        if (!target && op.id) this.live.push({ businessId, id: op.id });
      } else {
        const error = json?.error as { code?: string; message?: string } | undefined;
        op.code = String(error?.code ?? text.slice(0, 80));
        op.message = error?.message?.slice(0, 160);
      }
    } catch (error) {
      op.code = (error as Error).name === 'TimeoutError' ? 'client-timeout' : `connection: ${(error as Error).message}`;
    } finally {
      op.latencyMs = this.now() - op.startMs;
      this.inFlight--;
    }
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
