import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { ChildApp } from '../../test/support/child-app';
import type { SampledRecord } from './loader';
import { businessIdOf, userIdOf, type Workload } from './workload';

export interface MeasureOptions {
  port: number;
  seconds: number;
  warmupSeconds: number;
  /** Closed-loop clients of the shard-backed reads (lookups, pages), of search and of analytics. */
  connections: { reads: number; search: number; analytics: number };
  pageSize: number;
  /** Ids read once each for the cache-miss figure. */
  missReads: number;
  /** Which kinds: `shard` (lookups, pages: MariaDB), `search` (Elasticsearch), `analytics` (ClickHouse); a read model not rebuilt at this size is left out. */
  kinds: ReadonlySet<QueryGroup>;
  /** Waits until the engines are idle (settleEngines), once the query-api is up and the scenarios are prepared; says what it saw. */
  settle: () => Promise<string>;
}

export interface QueryFigure {
  query: string;
  connections: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

export type QueryGroup = 'shard' | 'search' | 'analytics';

interface Scenario {
  query: string;
  connections: number;
  /** Exactly this many requests (each id once) instead of a duration. */
  amount?: number;
  warmup: boolean;
  group: QueryGroup;
  request: (i: number) => { method: 'GET' | 'POST'; path: string; body?: string };
}

const HOT = 5;
const DAY_MS = 86_400_000;

/**
 * p50/p99 of each query kind through a query-api process of its own (cache on, as deployed), one
 * kind at a time, closed loop: id lookups (cache miss: ids never read before, each once; cache hit:
 * 1,000 ids read again and again), the first and the 50th page (by cursor) of the hottest
 * businesses, the first page of the heaviest users (merged across every shard), a keyword search
 * with business and date filters, and each analytics endpoint over the last 30 days.
 */
export async function measureQueries(env: Record<string, string>, workload: Workload, samples: readonly SampledRecord[], options: MeasureOptions): Promise<QueryFigure[]> {
  const base = `http://127.0.0.1:${options.port}`;
  const app = queryApi({ ...env, SHARDLINE_QUERY_HTTP_PORT: String(options.port), SHARDLINE_QUERY_HTTP_HOST: '127.0.0.1' });
  app.start();
  try {
    await app.waitUntilReady(`${base}/health/ready`, 120_000);
    const scenarios = (await scenariosOf(base, workload, samples, options)).filter((s) => options.kinds.has(s.group));
    const figures: QueryFigure[] = [];
    // After the query-api's start and the scenarios' preparation, which load the box themselves.
    console.log(`  settling before measuring: ${await options.settle()}`);
    // Not an idle machine if this is high: the figures are then contention as much as the queries.
    console.log(`  load average before measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (const scenario of scenarios) {
      if (scenario.warmup) await run(base, scenario, options.warmupSeconds);
      const figure = await run(base, scenario, options.seconds);
      console.log(`  ${figure.query.padEnd(48)} p50 ${fmt(figure.p50)} ms  p99 ${fmt(figure.p99)} ms  max ${fmt(figure.max)} ms  ${Math.round(figure.perSecond)}/s  (${figure.connections} clients, ${figure.requests} requests)`);
      figures.push(figure);
    }
    return figures;
  } finally {
    await app.stop();
  }
}

function queryApi(env: Record<string, string>): ChildApp {
  const built = resolve(__dirname, '../../dist/apps/query-api/main.js');
  return existsSync(built) ? ChildApp.built('query-api', env) : ChildApp.fromSource('query-api', 'apps/query-api/src/main.ts', env);
}

async function scenariosOf(base: string, workload: Workload, samples: readonly SampledRecord[], options: MeasureOptions): Promise<Scenario[]> {
  const { connections, pageSize } = options;
  const businesses = Array.from({ length: HOT }, (_, k) => businessIdOf(k + 1));
  const users = Array.from({ length: HOT }, (_, k) => userIdOf(k + 1));
  const missIds = samples.slice(0, Math.min(options.missReads, samples.length - 1_000));
  const hitIds = samples.slice(samples.length - 1_000);
  const lookup = (r: SampledRecord) => ({ method: 'GET' as const, path: `/api/v1/data/${encodeURIComponent(r.businessId)}/${r.id}` });
  const page = (business: string, cursor?: string) => `/api/v1/data/page?business_id=${encodeURIComponent(business)}&page_size=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const page50 = await Promise.all(businesses.map((b) => cursorOfPage(base, page, b, 50)));
  const end = new Date(workload.options.endMs);
  const from30 = new Date(workload.options.endMs - 30 * DAY_MS);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const range = `from=${day(from30)}&to=${day(end)}`;
  const searchBody = (i: number) =>
    JSON.stringify({
      keyword: workload.keyword(40 + (i % 20)),
      business_id: businessIdOf(1 + (i % 10)),
      date_range: { from: from30.toISOString(), to: end.toISOString() },
      sort: 'created_time_desc',
      page_size: pageSize,
    });
  // Fill the cache with the hit set (and let the cached reads' first fills happen) before timing.
  await Promise.all(hitIds.map((r) => fetch(base + lookup(r).path).then((res) => res.arrayBuffer())));
  return [
    { query: 'id lookup, cache miss', connections: connections.reads, group: 'shard', amount: missIds.length, warmup: false, request: (i) => lookup(missIds[i % missIds.length]) },
    { query: 'id lookup, cache hit', connections: connections.reads, group: 'shard', warmup: true, request: (i) => lookup(hitIds[i % hitIds.length]) },
    { query: `business page 1 (top ${HOT} businesses)`, connections: connections.reads, group: 'shard', warmup: true, request: (i) => ({ method: 'GET', path: page(businesses[i % HOT]) }) },
    { query: `business page 50 by cursor (top ${HOT})`, connections: connections.reads, group: 'shard', warmup: true, request: (i) => ({ method: 'GET', path: page(businesses[i % HOT], page50[i % HOT]) }) },
    { query: `user page 1, merged over shards (top ${HOT} users)`, connections: connections.reads, group: 'shard', warmup: true, request: (i) => ({ method: 'GET', path: `/api/v1/data/page?user_id=${users[i % HOT]}&page_size=${pageSize}` }) },
    { query: 'search: keyword + business + 30 days', connections: connections.search, group: 'search', warmup: true, request: (i) => ({ method: 'POST', path: '/api/v1/data/search', body: searchBody(i) }) },
    { query: 'analytics records-per-day (hot business, 30 d)', connections: connections.analytics, group: 'analytics', warmup: true, request: (i) => ({ method: 'GET', path: `/api/v1/analytics/records-per-day?${range}&business_id=${businesses[i % HOT]}` }) },
    { query: 'analytics hot-businesses (30 d)', connections: connections.analytics, group: 'analytics', warmup: true, request: () => ({ method: 'GET', path: `/api/v1/analytics/hot-businesses?${range}` }) },
    { query: 'analytics growth (all, by day, 30 d)', connections: connections.analytics, group: 'analytics', warmup: true, request: () => ({ method: 'GET', path: `/api/v1/analytics/growth?${range}&interval=day` }) },
    { query: 'analytics active-users (all, 30 d)', connections: connections.analytics, group: 'analytics', warmup: true, request: () => ({ method: 'GET', path: `/api/v1/analytics/active-users?${range}` }) },
    // The same with the exact total (every (user, day) of the range hashed): its cost, for the record.
    { query: 'analytics active-users exact (all, 30 d)', connections: connections.analytics, group: 'analytics', warmup: true, request: () => ({ method: 'GET', path: `/api/v1/analytics/active-users?${range}&total=exact` }) },
  ];
}

/** The cursor that fetches page `n` of a business (walks pages 1..n-1). */
async function cursorOfPage(base: string, page: (business: string, cursor?: string) => string, business: string, n: number): Promise<string> {
  let cursor: string | undefined;
  for (let k = 1; k < n; k++) {
    const res = await fetch(base + page(business, cursor));
    const body = (await res.json()) as { next_cursor: string | null };
    if (res.status !== 200 || !body.next_cursor) throw new Error(`page ${k} of ${business}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    cursor = body.next_cursor;
  }
  return cursor!;
}

async function run(base: string, scenario: Scenario, seconds: number): Promise<QueryFigure> {
  let next = 0;
  let firstFailure: string | undefined;
  const result = await autocannon({
    url: base,
    connections: scenario.connections,
    ...(scenario.amount !== undefined ? { amount: scenario.amount } : { duration: seconds }),
    requests: [
      {
        setupRequest: (req) => {
          const r = scenario.request(next++);
          return { ...req, method: r.method, path: r.path, ...(r.body ? { body: r.body, headers: { 'content-type': 'application/json' } } : {}) };
        },
        onResponse: (status, body) => {
          if (status >= 300 && !firstFailure) firstFailure = `${status} ${String(body).slice(0, 300)}`;
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${scenario.query}: ${result.non2xx} non-2xx, ${result.errors} errors; first: ${firstFailure}`);
  return {
    query: scenario.query,
    connections: scenario.connections,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    perSecond: result.requests.average,
  };
}

const fmt = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toString()).padStart(5);
