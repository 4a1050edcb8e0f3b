/**
 * Watches sampled record ids until they are visible in the read models and records, per id,
 * the time from the write's acknowledgement to the first poll that saw it. Polls every
 * POLL_MS, so each figure may read up to POLL_MS late (stated in the output).
 */
export const POLL_MS = 50;

export interface Pending {
  id: string;
  business_id: string;
  ackedAt: number;
}

export type RecordKey = Pick<Pending, 'id' | 'business_id'>;

export class VisibilityWatcher {
  private readonly pending = new Map<string, Pending>();
  readonly lags: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  errors = 0;

  constructor(
    readonly name: string,
    /**
     * Returns which of the given ids are visible now, or (a Map) when each became visible, for a
     * stage that knows the exact moment (the Kafka consumer notes arrivals).
     */
    private readonly visible: (records: RecordKey[]) => Promise<Set<string> | Map<string, number>>,
  ) {}

  add(items: Pending[]): void {
    for (const item of items) this.pending.set(item.id, item);
  }

  get outstanding(): number {
    return this.pending.size;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.pending.size === 0) return;
    this.polling = true;
    try {
      const seen = await this.visible([...this.pending.values()].slice(0, 2000));
      const now = performance.now();
      for (const [id, seenAt] of seen instanceof Map ? seen : [...seen].map((id) => [id, now] as const)) {
        const pending = this.pending.get(id);
        if (pending === undefined) continue;
        this.lags.push(Math.max(0, seenAt - pending.ackedAt));
        this.pending.delete(id);
      }
    } catch {
      this.errors++;
    } finally {
      this.polling = false;
    }
  }
}

export async function elasticsearchVisible(esUrl: string, alias: string, records: RecordKey[]): Promise<Set<string>> {
  const ids = records.map((r) => r.id);
  const response = await fetch(`${esUrl}/${alias}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: ids.length, _source: false, query: { ids: { values: ids } } }),
  });
  if (!response.ok) throw new Error(`search ${response.status}`);
  const body = (await response.json()) as { hits: { hits: { _id: string }[] } };
  return new Set(body.hits.hits.map((h) => h._id));
}

export async function clickhouseVisible(chUrl: string, database: string, records: RecordKey[]): Promise<Set<string>> {
  // Inlined: ids are digits and business ids the benchmark's own bench-biz-N (checked), so no escaping is needed.
  if (!records.every((r) => /^\d+$/.test(r.id) && /^[A-Za-z0-9_-]+$/.test(r.business_id))) throw new Error('unexpected record key');
  // By the table's sort key (business_id, record_id): a primary-key lookup. record_id alone would
  // scan the whole table on every poll, and that scan, not the projection, would load ClickHouse.
  const keys = records.map((r) => `('${r.business_id}',${r.id})`).join(',');
  const sql = `SELECT toString(record_id) FROM ${database}.records_latest WHERE (business_id, record_id) IN (${keys}) FORMAT TabSeparated`;
  // In the body: thousands of ids exceed the URL length the server accepts.
  const response = await fetch(`${chUrl}/`, { method: 'POST', body: sql });
  if (!response.ok) throw new Error(`clickhouse ${response.status}: ${await response.text()}`);
  return new Set((await response.text()).split('\n').filter(Boolean));
}

/**
 * How many records each read model holds now (Elasticsearch: documents searchable through the
 * alias; ClickHouse: distinct records in records_latest, so a redelivered duplicate not yet merged
 * does not count twice). Two cheap queries: the cost phase polls them only after its writes, to
 * end its window when the projections have caught up.
 */
export async function readModelCounts(esUrl: string, alias: string, chUrl: string, database: string): Promise<{ elasticsearch: number; clickhouse: number }> {
  const [es, ch] = await Promise.all([
    fetch(`${esUrl}/${alias}/_count`).then(async (r) => (r.ok ? ((await r.json()) as { count: number }).count : 0)),
    fetch(`${chUrl}/`, { method: 'POST', body: `SELECT uniqExact(record_id) FROM ${database}.records_latest FORMAT TabSeparated` }).then(async (r) => (r.ok ? Number((await r.text()).trim()) : 0)),
  ]);
  return { elasticsearch: es, clickhouse: ch };
}
