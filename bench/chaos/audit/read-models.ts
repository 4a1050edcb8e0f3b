import { Kafka, logLevel, type Consumer } from 'kafkajs';

/** The state a read model holds for one record: what the auditor compares with the event store. */
export interface ModelRecord {
  id: string;
  business_id: string;
  version: number;
  deleted: boolean;
}

/** Every document behind the Elasticsearch read alias (tombstones included), by a plain scroll. */
export async function readElasticsearch(url: string, alias: string): Promise<Map<string, ModelRecord>> {
  const out = new Map<string, ModelRecord>();
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`elasticsearch ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return (await res.json()) as any;
  };
  let page = await post(`/${alias}/_search?scroll=1m`, { size: 5000, sort: ['_doc'], _source: ['record_id', 'business_id', 'version', 'deleted'], query: { match_all: {} } });
  try {
    while (page.hits.hits.length > 0) {
      for (const hit of page.hits.hits) {
        const s = hit._source;
        out.set(String(s.record_id ?? hit._id), { id: String(s.record_id ?? hit._id), business_id: s.business_id, version: Number(s.version), deleted: s.deleted === true });
      }
      page = await post('/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
    }
  } finally {
    await fetch(`${url}/_search/scroll`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scroll_id: page._scroll_id }) }).catch(() => undefined);
  }
  return out;
}

async function clickhouse(url: string, sql: string): Promise<any[]> {
  const res = await fetch(`${url}/?user=default`, { method: 'POST', body: `${sql} FORMAT JSONEachRow`, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`clickhouse: ${res.status} ${text.slice(0, 300)}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Latest state per record (FINAL: duplicates collapsed as readers see them) and the raw events' identities. */
export async function readClickhouse(url: string, database: string): Promise<{ latest: Map<string, ModelRecord>; events: Set<string> }> {
  const latest = new Map<string, ModelRecord>();
  for (const r of await clickhouse(url, `SELECT toString(record_id) AS id, business_id, version, deleted FROM ${database}.records_latest FINAL`)) {
    latest.set(r.id, { id: r.id, business_id: r.business_id, version: Number(r.version), deleted: Number(r.deleted) === 1 });
  }
  const events = new Set<string>();
  for (const r of await clickhouse(url, `SELECT stream_id, stream_version FROM ${database}.record_events FINAL`)) events.add(`${r.stream_id}@${r.stream_version}`);
  return { latest, events };
}

/**
 * Everything on the events topic, read by the auditor's own consumer group from the beginning:
 * the (stream_id, stream_version) of every message (the envelope keeps them in clear when sealed).
 */
export class TopicReader {
  readonly seen = new Set<string>();
  messages = 0;
  private consumer: Consumer | undefined;

  constructor(
    private readonly brokers: string,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  async start(): Promise<void> {
    const kafka = new Kafka({ clientId: 'soak-auditor', brokers: this.brokers.split(','), logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 200 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          this.messages++;
          const v = JSON.parse(m.value?.toString() ?? '{}');
          this.seen.add(`${v.stream_id}@${v.stream_version}`);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
