/**
 * The raw baselines of the pipeline benchmark: the cheapest equivalent of each stage's writes,
 * done with the same client libraries on the same data the pipeline just carried, paced at the
 * same rate, so CPU per event can be set side by side (see README.md beside this file):
 * - kafka consume: a kafkajs consumer reading the envelopes the relay published (JSON.parse each);
 * - kafka produce: a kafkajs producer publishing those envelopes (same keys, headers, producer
 *   settings as the relay: idempotent, acks -1) to a private topic of the same partition count;
 * - Elasticsearch: `_bulk` of the documents the projection wrote, read back from its index, into
 *   a private index base with the same template (external versions, like the sink);
 * - ClickHouse: the rows the projection wrote, read back, inserted with @clickhouse/client
 *   (JSONEachRow) into a private database with the same tables.
 * Each returns the client's CPU (this process) and its phase's window; the caller reads the engines.
 */
import type { Client } from '@elastic/elasticsearch';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { clickHouseConfigFromEnv, ClickHouseProjectionSink, createClickHouseGateway, EVENTS_TABLE, LATEST_TABLE, sqlQualifiedName } from '@shardline/projection-clickhouse';
import { BULK_RESPONSE_FILTER, DEFAULT_INDEX_SETTINGS, ElasticsearchRecordsSink, RecordsIndexNames, recordsIndexSettings, recordsMappings } from '@shardline/projection-elasticsearch';
import type { CpuMeter, CpuWindow } from './cpu-meter';
import { between } from './cpu-meter';

export interface RawPhase {
  name: string;
  events: number;
  /** CPU of this process (the raw client) in microseconds, from process.cpuUsage. */
  clientMicros: number;
  window: CpuWindow;
  /** Items the engine refused (should be 0). */
  errors: number;
}

export interface Pace {
  rate: number;
  batch: number;
}

/** Runs `send` on consecutive chunks of `items`, one chunk every batch/rate seconds (open loop, at most 4 in flight). */
export async function paced<T>(items: readonly T[], pace: Pace, send: (chunk: readonly T[]) => Promise<void>): Promise<void> {
  const interval = (1000 * pace.batch) / pace.rate;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0, n = 0; i < items.length; i += pace.batch, n++) {
    const wait = started + n * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= 4) await Promise.race(inFlight);
    const p: Promise<void> = send(items.slice(i, i + pace.batch)).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
}

/** Measures one raw phase: the client's CPU (this process) and the window for the engines. */
async function measured(meter: CpuMeter, name: string, events: number, run: () => Promise<number>): Promise<RawPhase> {
  const from = meter.sample();
  const cpu0 = process.cpuUsage();
  const errors = await run();
  const cpu = process.cpuUsage(cpu0);
  return { name, events, clientMicros: cpu.user + cpu.system, window: between(from, meter.sample()), errors };
}

/** Reads `count` messages of `topic` from the beginning with a kafkajs consumer, JSON-parsing each value (what any consumer must do). */
export async function rawConsume(kafka: Kafka, meter: CpuMeter, topic: string, count: number, groupId: string): Promise<{ phase: RawPhase; messages: Message[] }> {
  const messages: Message[] = [];
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let parsed = 0;
  const phase = await measured(meter, 'kafka consume', count, async () => {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${messages.length} of ${count} messages in ${topic} after 120 s`)), 120_000);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              if (messages.length >= count) break;
              if (m.value) parsed += JSON.parse(m.value.toString('utf8')) ? 1 : 0;
              messages.push({ key: m.key, value: m.value, headers: m.headers });
            }
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return count - parsed;
  });
  await consumer.disconnect();
  return { phase: { ...phase, events: messages.length }, messages };
}

/** Publishes `messages` to `topic` as the relay does (idempotent producer, acks -1), paced. */
export async function rawProduce(kafka: Kafka, meter: CpuMeter, topic: string, messages: readonly Message[], pace: Pace): Promise<RawPhase> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    return await measured(meter, 'kafka produce', messages.length, async () => {
      await paced(messages, pace, async (chunk) => {
        // In requests of at most ~900 KiB, as the relay sends them (the broker's message.max.bytes is 1 MiB).
        for (const request of bySize(chunk, 900 * 1024)) await producer.send({ topic, acks: -1, messages: request });
      });
      return 0;
    });
  } finally {
    await producer.disconnect();
  }
}

function bySize(messages: readonly Message[], maxBytes: number): Message[][] {
  const out: Message[][] = [[]];
  let bytes = 0;
  for (const m of messages) {
    const size = (m.value as Buffer).length + 64;
    if (bytes + size > maxBytes && out[out.length - 1].length > 0) {
      out.push([]);
      bytes = 0;
    }
    out[out.length - 1].push(m);
    bytes += size;
  }
  return out;
}

interface EsHit {
  _id: string;
  _version: number;
  _source: Record<string, unknown>;
}

/** Every document of the pipeline's read alias (id, version, source), paged by record_id. */
export async function readDocuments(es: Client, alias: string, limit: number): Promise<EsHit[]> {
  await es.indices.refresh({ index: alias });
  const out: EsHit[] = [];
  let after: unknown[] | undefined;
  while (out.length < limit) {
    const page = await es.search<Record<string, unknown>>({ index: alias, size: Math.min(5000, limit - out.length), version: true, sort: [{ record_id: 'asc' }], ...(after ? { search_after: after as never } : {}) });
    const hits = page.hits.hits;
    if (hits.length === 0) break;
    for (const h of hits) out.push({ _id: h._id!, _version: h._version!, _source: h._source! });
    after = hits[hits.length - 1].sort as unknown[];
  }
  return out;
}

/**
 * The mapping of the project before issue 12's engine pass (every field indexed and with doc
 * values, data_content a `flattened` field searchable by path), kept here so a run can set the
 * project's current mapping (recordsMappings: data_content in _source only) beside it.
 */
export function fullMappings() {
  const m = recordsMappings();
  return { ...m, properties: { ...m.properties, data_content: { type: 'flattened' as const, depth_limit: 100, ignore_above: 1024 } } };
}

/**
 * The full mapping indexed only as far as the readers use each field: updated_time is read from
 * _source only; version is aggregated by verify, never searched; the keyword filters and the
 * boolean are never sorted or aggregated on (no doc values); data_content stays searchable by
 * path but keeps no doc values.
 */
export function leanMappings() {
  const m = fullMappings();
  return {
    ...m,
    properties: {
      ...m.properties,
      business_id: { type: 'keyword' as const, doc_values: false },
      user_id: { type: 'keyword' as const, doc_values: false },
      data_content: { ...m.properties.data_content, doc_values: false },
      updated_time: { type: 'date' as const, index: false, doc_values: false },
      version: { type: 'long' as const, index: false },
      deleted: { type: 'boolean' as const, doc_values: false },
    },
  };
}

/** leanMappings with data_content kept in _source only (not parsed into terms: no path queries). */
export function bareMappings() {
  const m = leanMappings();
  return { ...m, properties: { ...m.properties, data_content: { type: 'object' as const, enabled: false } } };
}

/** The project's mapping with data_text (derived from data_content, searched, never read back) left out of the stored _source. */
export function textlessSourceMappings() {
  return { ...recordsMappings(), _source: { excludes: ['data_text'] } };
}

/** The project's mapping with data_text indexed without positions (the search is a `match`, never a phrase). */
export function freqsTextMappings() {
  const m = recordsMappings();
  return { ...m, properties: { ...m.properties, data_text: { type: 'text' as const, index_options: 'freqs' as const } } };
}

/**
 * Raw `_bulk` variants: `project` is the sink's own template as it is now; the others put a
 * higher-priority template first (mapping and extra index settings), so the monthly index gets
 * that instead. `async`: the project's mapping with the translog fsynced every 5 s instead of per
 * request; `merge30`: the project's mapping with 30 segments per merge tier instead of 10.
 */
const RAW_ES_VARIANTS = {
  project: undefined,
  full: { mappings: fullMappings },
  lean: { mappings: leanMappings },
  bare: { mappings: bareMappings },
  textless: { mappings: textlessSourceMappings },
  freqs: { mappings: freqsTextMappings },
  async: { mappings: recordsMappings, settings: { 'translog.durability': 'async', 'translog.sync_interval': '5s' } },
  merge30: { mappings: recordsMappings, settings: { 'merge.policy.segments_per_tier': 30 } },
} satisfies Record<string, { mappings: () => object; settings?: Record<string, unknown> } | undefined>;

export const RAW_ES_MAPPINGS = Object.keys(RAW_ES_VARIANTS) as RawEsMapping[];
export type RawEsMapping = keyof typeof RAW_ES_VARIANTS;

/**
 * A variant's template (RAW_ES_VARIANTS) over the pipeline's own read model: priority above the
 * sink's, with the aliases the sink's initial generation would give its indices, so the projector
 * writes the monthly index with that mapping and everything else stays as it is (BENCH_ES_MAPPING).
 */
export async function putPipelineVariantTemplate(es: Client, indexBase: string, mapping: RawEsMapping, refresh: string): Promise<void> {
  const template = RAW_ES_VARIANTS[mapping];
  if (!template) return;
  const names = new RecordsIndexNames(indexBase);
  await es.indices.putIndexTemplate({
    name: `${indexBase}-variant-${mapping}`,
    index_patterns: [names.indexPattern('')],
    priority: 300,
    template: {
      settings: { ...recordsIndexSettings({ ...DEFAULT_INDEX_SETTINGS, refreshInterval: refresh }), ...('settings' in template ? template.settings : {}) },
      mappings: template.mappings(),
      aliases: { [names.generationAlias('')]: {}, [names.readAlias]: {} },
    },
  });
}

/**
 * `_bulk` of the same documents, external versions, paced, into a private index base prepared by
 * the sink itself (its template and settings), or by a variant's template (RAW_ES_VARIANTS).
 */
export async function rawBulk(
  es: Client,
  meter: CpuMeter,
  indexBase: string,
  variant: { refresh: string; mapping: RawEsMapping; filtered: boolean },
  docs: readonly EsHit[],
  pace: Pace,
): Promise<RawPhase> {
  const template = RAW_ES_VARIANTS[variant.mapping];
  if (template) {
    await es.indices.putIndexTemplate({
      name: `${indexBase}-${variant.mapping}`,
      index_patterns: [`${indexBase}-*`],
      priority: 300,
      template: {
        settings: { ...recordsIndexSettings({ ...DEFAULT_INDEX_SETTINGS, refreshInterval: variant.refresh }), ...('settings' in template ? template.settings : {}) },
        mappings: template.mappings(),
      },
    });
  }
  await new ElasticsearchRecordsSink({ client: es, indexBase, index: { refreshInterval: variant.refresh } }).prepare();
  const names = new RecordsIndexNames(indexBase);
  let errors = 0;
  const response = variant.filtered ? 'filtered' : 'full';
  return measured(meter, `elasticsearch _bulk ${pace.batch} (refresh ${variant.refresh}, ${variant.mapping} mapping, ${response} response)`, docs.length, async () => {
    await paced(docs, pace, async (chunk) => {
      const response = await es.bulk({
        operations: chunk.flatMap((d) => [{ index: { _index: names.indexOfRecord('', d._id), _id: d._id, version: d._version, version_type: 'external' as const } }, d._source]),
        refresh: false,
        ...(variant.filtered ? { filter_path: BULK_RESPONSE_FILTER } : {}),
      });
      if (response.errors) errors += response.items.filter((i) => (i.index?.status ?? 500) >= 300).length;
    });
    return errors;
  });
}

/** The rows of one of the projection's tables, as JSONEachRow objects (64-bit integers stay quoted strings). */
export async function readRows(chUrl: string, table: string, limit: number): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${chUrl}/`, { method: 'POST', body: `SELECT * FROM ${table} LIMIT ${Math.floor(limit)} FORMAT JSONEachRow` });
  const text = await response.text();
  if (!response.ok) throw new Error(`clickhouse ${response.status}: ${text.slice(0, 300)}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The same rows into a private database with the same tables (prepared by the sink's own DDL),
 * through the project's gateway (@clickhouse/client, the sink's insert settings) but nothing else
 * of the sink: per batch one INSERT into the events table and one into the latest table, in
 * parallel, as the sink does.
 */
export async function rawInsertRows(
  chUrl: string,
  meter: CpuMeter,
  database: string,
  rows: { events: readonly Record<string, unknown>[]; latest: readonly Record<string, unknown>[] },
  pace: Pace,
  format: 'JSONEachRow' | 'TabSeparated' = 'JSONEachRow',
): Promise<RawPhase> {
  const config = { ...clickHouseConfigFromEnv({ ...process.env, SHARDLINE_CLICKHOUSE_URL: chUrl }), database, insertFormat: format };
  const gateway = createClickHouseGateway(config);
  const events = sqlQualifiedName(database, EVENTS_TABLE);
  const latest = sqlQualifiedName(database, LATEST_TABLE);
  try {
    await new ClickHouseProjectionSink(gateway, database).prepare();
    const pairs = rows.events.map((event, i) => ({ event, latest: rows.latest[i] }));
    return await measured(meter, `clickhouse INSERT ${format} ${pace.batch}`, pairs.length, async () => {
      await paced(pairs, pace, async (chunk) => {
        await Promise.all([gateway.insertRows(events, chunk.map((p) => p.event)), gateway.insertRows(latest, chunk.flatMap((p) => (p.latest ? [p.latest] : [])))]);
      });
      return 0;
    });
  } finally {
    await gateway.close();
  }
}
