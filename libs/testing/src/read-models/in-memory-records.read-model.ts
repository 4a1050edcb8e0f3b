import { timeOfId } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink, SinkRejection } from '@shardline/projections';
import {
  bucketStart,
  bucketStarts,
  InvalidSearchQueryError,
  type ActiveUsersQuery,
  type ActiveUsersResult,
  type GrowthQuery,
  type GrowthResult,
  type HotBusinessesQuery,
  type HotBusinessesResult,
  type RecordAnalytics,
  type RecordSearch,
  type RecordSearchItem,
  type RecordSearchPage,
  type RecordSearchQuery,
  type RecordsPerDayQuery,
  type RecordsPerDayResult,
} from '@shardline/read-models';

const KNOWN_TYPES = ['RecordCreated', 'RecordUpdated', 'RecordDeleted', 'RecordMovedIn', 'RecordMovedOut', 'RecordErased'];
const CREATED = ['RecordCreated', 'RecordMovedIn'];
const DELETED = ['RecordDeleted', 'RecordMovedOut'];

interface Document {
  id: string;
  business_id: string;
  user_id: string;
  data_content: Record<string, unknown>;
  words: Set<string>;
  created_time: string;
  updated_time: string;
  version: number;
  deleted: boolean;
}

/**
 * The search and analytics read models in memory: a ProjectionSink that folds envelopes the way
 * the Elasticsearch sink (documents, external versions, tombstones) and the ClickHouse sink (raw
 * events collapsed by stream and version) do, and the query side's RecordSearch and
 * RecordAnalytics ports over what it folded. Held to both engines by the read-model contract
 * (`readModelContract` in @shardline/testing/contracts): the same specs run on it, on
 * Elasticsearch and on ClickHouse. Not modelled: relevance scores (a count of matching words
 * stands in for BM25, so the order of `sort: relevance` is not the engine's).
 */
export class InMemoryRecordsReadModel implements ProjectionSink, RecordSearch, RecordAnalytics {
  private readonly documents = new Map<string, Document>();
  /** Raw events by (stream, version): a redelivery is the same row, as ClickHouse's FINAL sees it. */
  private readonly events = new Map<string, RecordEventEnvelope>();

  constructor(readonly name = 'memory-records') {}

  async prepare(): Promise<void> {}

  async apply(envelopes: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> {
    const rejections: SinkRejection[] = [];
    for (const event of envelopes) {
      if (!KNOWN_TYPES.includes(event.event_type)) {
        rejections.push({ event, reason: `unknown event type ${JSON.stringify(event.event_type)}` });
        continue;
      }
      this.events.set(`${event.stream_id}\u0000${event.stream_version}`, structuredClone(event));
      const document = documentOf(event);
      const current = this.documents.get(document.id);
      // External versioning: only a higher version replaces a document (tombstones included).
      if (!current || current.version < document.version) this.documents.set(document.id, document);
    }
    return rejections;
  }

  async searchRecords(query: RecordSearchQuery): Promise<RecordSearchPage> {
    const words = query.keyword ? wordsOf(query.keyword) : [];
    const from = query.date_range?.from ? Date.parse(query.date_range.from) : -Infinity;
    const to = query.date_range?.to ? Date.parse(query.date_range.to) : Infinity;
    const matching = [...this.documents.values()].filter(
      (d) =>
        !d.deleted &&
        (query.business_id === undefined || d.business_id === query.business_id) &&
        (query.user_id === undefined || d.user_id === query.user_id) &&
        Date.parse(d.created_time) >= from &&
        Date.parse(d.created_time) < to &&
        words.every((w) => d.words.has(w)),
    );
    const keyOf = (d: Document): Array<string | number> => {
      const created = Date.parse(d.created_time);
      return query.sort === 'relevance' ? [words.filter((w) => d.words.has(w)).length, created, d.id] : [created, d.id];
    };
    const ascending = query.sort === 'created_time_asc';
    const sorted = matching.map((d) => ({ d, key: keyOf(d) })).sort((a, b) => (ascending ? 1 : -1) * compareKeys(a.key, b.key));
    const after = query.search_after ? decodeCursor(query.search_after, query.sort) : null;
    const rest = after ? sorted.filter(({ key }) => (ascending ? 1 : -1) * compareKeys(key, after) > 0) : sorted;
    const page = rest.slice(0, query.page_size);
    return {
      items: page.map(({ d, key }) => itemOf(d, query.sort === 'relevance' ? Number(key[0]) : null)),
      next_cursor: rest.length > query.page_size ? encodeCursor(query.sort, page[page.length - 1].key) : null,
    };
  }

  async recordsPerBusinessPerDay(q: RecordsPerDayQuery): Promise<RecordsPerDayResult> {
    const groups = new Map<string, RecordEventEnvelope[]>();
    for (const e of this.inRange(q.from, q.to, q.business_id)) {
      const key = `${dayOf(e)}\u0000${e.business_id}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const rows = [...groups.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([key, events]) => ({
        business_id: key.split('\u0000')[1],
        day: key.split('\u0000')[0],
        records_created: events.filter((e) => CREATED.includes(e.event_type)).length,
        records_updated: events.filter((e) => e.event_type === 'RecordUpdated').length,
        records_deleted: events.filter((e) => DELETED.includes(e.event_type)).length,
        events: events.length,
        active_users: new Set(events.map((e) => e.user_id)).size,
      }));
    return { from: q.from, to: q.to, rows: rows.slice(0, q.limit), truncated: rows.length > q.limit };
  }

  async hotBusinesses(q: HotBusinessesQuery): Promise<HotBusinessesResult> {
    const byBusiness = new Map<string, { business_id: string; events: number; records_created: number }>();
    for (const e of this.inRange(q.from, q.to)) {
      const row = byBusiness.get(e.business_id) ?? { business_id: e.business_id, events: 0, records_created: 0 };
      row.events++;
      if (CREATED.includes(e.event_type)) row.records_created++;
      byBusiness.set(e.business_id, row);
    }
    const [first, second] = q.by === 'events' ? (['events', 'records_created'] as const) : (['records_created', 'events'] as const);
    const businesses = [...byBusiness.values()].sort((a, b) => b[first] - a[first] || b[second] - a[second] || compareStrings(a.business_id, b.business_id)).slice(0, q.limit);
    return { from: q.from, to: q.to, by: q.by, businesses };
  }

  async growth(q: GrowthQuery): Promise<GrowthResult> {
    const counts = new Map<string, { created: number; deleted: number }>();
    for (const e of this.inRange(q.from, q.to, q.business_id)) {
      const start = bucketStart(dayOf(e), q.interval);
      const c = counts.get(start) ?? { created: 0, deleted: 0 };
      if (CREATED.includes(e.event_type)) c.created++;
      if (DELETED.includes(e.event_type)) c.deleted++;
      counts.set(start, c);
    }
    let cumulativeCreated = 0;
    let cumulativeNet = 0;
    const buckets = bucketStarts(q.from, q.to, q.interval).map((start) => {
      const { created, deleted } = counts.get(start) ?? { created: 0, deleted: 0 };
      cumulativeCreated += created;
      cumulativeNet += created - deleted;
      return { period_start: start, records_created: created, records_deleted: deleted, net: created - deleted, cumulative_created: cumulativeCreated, cumulative_net: cumulativeNet };
    });
    return { from: q.from, to: q.to, interval: q.interval, buckets };
  }

  async activeUsers(q: ActiveUsersQuery): Promise<ActiveUsersResult> {
    const events = this.inRange(q.from, q.to, q.business_id);
    return {
      from: q.from,
      to: q.to,
      days: bucketStarts(q.from, q.to, 'day').map((day) => ({ day, active_users: new Set(events.filter((e) => dayOf(e) === day).map((e) => e.user_id)).size })),
      // Counted exactly either way: an exact count is also a valid estimate.
      total_active_users: new Set(events.map((e) => e.user_id)).size,
      total_method: q.total,
    };
  }

  private inRange(from: string, to: string, businessId?: string): RecordEventEnvelope[] {
    return [...this.events.values()].filter((e) => dayOf(e) >= from && dayOf(e) <= to && (businessId === undefined || e.business_id === businessId));
  }
}

/** The document an event leaves behind, as the Elasticsearch sink builds it (record-document.ts). */
function documentOf(event: RecordEventEnvelope): Document {
  const created = timeOfId(event.record_id).toISOString();
  const ending = !CREATED.includes(event.event_type) && event.event_type !== 'RecordUpdated';
  const content = ending ? {} : ((event.data.data_content ?? {}) as Record<string, unknown>);
  const updated = (() => {
    switch (event.event_type) {
      case 'RecordUpdated':
        return String(event.data.updated_time);
      case 'RecordDeleted':
        return String(event.data.deleted_time ?? event.occurred_at);
      case 'RecordMovedOut':
        return String(event.data.moved_time ?? event.occurred_at);
      case 'RecordErased':
        return String(event.data.erased_time ?? event.occurred_at);
      default:
        return created;
    }
  })();
  return {
    id: event.record_id,
    business_id: event.business_id,
    user_id: event.user_id,
    data_content: content,
    words: new Set(wordsOf(leavesOf(content).join('\n'))),
    created_time: created,
    updated_time: updated,
    version: event.stream_version,
    deleted: ending,
  };
}

function itemOf(d: Document, score: number | null): RecordSearchItem {
  return {
    id: d.id,
    business_id: d.business_id,
    user_id: d.user_id,
    data_content: structuredClone(d.data_content),
    created_time: new Date(d.created_time).toISOString(),
    updated_time: new Date(d.updated_time).toISOString(),
    version: d.version,
    score,
  };
}

/** Every string and number leaf, as the search projection's full-text field holds them. */
function leavesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' && Number.isFinite(value)) return [String(value)];
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(leavesOf);
  return [];
}

/** Lower-cased letter/digit runs: what Elasticsearch's standard analyzer makes of plain words. */
function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) as string[];
}

function dayOf(e: RecordEventEnvelope): string {
  return new Date(e.occurred_at).toISOString().slice(0, 10);
}

/** Code-unit order, as the engines sort keywords and strings (not the locale's). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < a.length; i++) {
    const c = typeof a[i] === 'number' ? Number(a[i]) - Number(b[i]) : compareStrings(String(a[i]), String(b[i]));
    if (c !== 0) return c;
  }
  return 0;
}

function encodeCursor(sort: string, key: Array<string | number>): string {
  return Buffer.from(JSON.stringify({ s: sort, a: key })).toString('base64url');
}

function decodeCursor(cursor: string, sort: string): Array<string | number> {
  let body: { s?: unknown; a?: unknown };
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidSearchQueryError('search_after', 'is not a cursor returned by this API');
  }
  if (!Array.isArray(body?.a)) throw new InvalidSearchQueryError('search_after', 'is not a cursor returned by this API');
  if (body.s !== sort) throw new InvalidSearchQueryError('search_after', `belongs to sort ${String(body.s)}, not ${sort}`);
  return body.a as Array<string | number>;
}
