import { makeRecord } from '../ingest/workload';

export interface AckedBatch {
  ids: { business_id: string; id: string }[];
  ackedAt: number;
}

export interface WriteResult {
  acknowledged: number;
  failed: number;
  failures: Map<string, number>;
  skipped: number;
  ackLatency: number[];
  seconds: number;
}

/**
 * Batches of `perRequest` records posted to the batch API at `rate` events/s for `seconds`, open
 * loop: a batch every interval whatever the previous ones are doing (at most 32 in flight; further
 * ticks are counted as skipped). `firstRecord` numbers the records, so each phase writes new ones.
 */
export async function writeLoad(options: {
  apiUrl: string;
  rate: number;
  seconds: number;
  perRequest: number;
  firstRecord: number;
  payloadBytes?: number;
  onAck?: (batch: AckedBatch) => void;
  onTick?: (n: number) => void;
}): Promise<WriteResult> {
  const { rate, seconds, perRequest } = options;
  const interval = (1000 * perRequest) / rate;
  const started = performance.now();
  const result: WriteResult = { acknowledged: 0, failed: 0, failures: new Map(), skipped: 0, ackLatency: [], seconds: 0 };
  let inFlight = 0;
  const requests: Promise<void>[] = [];
  for (let n = 0; performance.now() - started < seconds * 1000; n++) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    options.onTick?.(n);
    if (inFlight >= 32) {
      result.skipped++;
      continue;
    }
    inFlight++;
    requests.push(
      postBatch(options.apiUrl, options.firstRecord + n * perRequest, perRequest, options.payloadBytes ?? 200)
        .then(({ ids, ackedAt, latency }) => {
          result.acknowledged += ids.length;
          result.ackLatency.push(latency);
          options.onAck?.({ ids, ackedAt });
        })
        .catch((e: unknown) => {
          result.failed++;
          const reason = e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e);
          result.failures.set(reason, (result.failures.get(reason) ?? 0) + 1);
        })
        .finally(() => void inFlight--),
    );
  }
  await Promise.all(requests);
  result.seconds = (performance.now() - started) / 1000;
  result.ackLatency.sort((a, b) => a - b);
  return result;
}

async function postBatch(apiUrl: string, first: number, count: number, payloadBytes: number): Promise<{ ids: AckedBatch['ids']; ackedAt: number; latency: number }> {
  const body = JSON.stringify({ data: Array.from({ length: count }, (_, k) => makeRecord(first + k, payloadBytes)) });
  const t0 = performance.now();
  const res = await fetch(`${apiUrl}/api/v1/data/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { results: { status: number; id: string; business_id: string }[] };
  const ackedAt = performance.now();
  if (res.status !== 201) throw new Error(`batch ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return { ids: json.results.map((r) => ({ id: r.id, business_id: r.business_id })), ackedAt, latency: ackedAt - t0 };
}
