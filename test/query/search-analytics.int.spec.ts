import { randomTag, RecordStory } from '../projections/projection-fixtures';
import { ApiHarness } from '../support/api-harness';
import { ProjectedReadModels } from './projected-read-models';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/** The query API's search (Elasticsearch) and analytics (ClickHouse) routes over projected events. */
describe('query API: search and analytics routes', () => {
  const tag = randomTag();
  const base = `${tag}-records`;
  const biz = `${tag}-biz`;
  const today = new Date().toISOString().slice(0, 10);
  let readModels: ProjectedReadModels;
  let dbs: TestDatabases;
  let query: ApiHarness;
  const stories = [
    new RecordStory(biz, '7', { title: 'phoenix rising', n: 1 }),
    new RecordStory(biz, '7', { title: 'phoenix falling', n: 2 }),
    new RecordStory(biz, '8', { title: 'dragon', n: 3 }),
    new RecordStory(`${biz}-other`, '9', { title: 'phoenix elsewhere', n: 4 }),
  ];
  stories[2].update({ title: 'dragon phoenix', n: 3 });

  beforeAll(async () => {
    readModels = await ProjectedReadModels.create(base, stories.flatMap((s) => s.events));
    dbs = await createTestDatabases(2);
    query = await startQueryApi(dbs.config, readModels.env);
  });
  afterAll(async () => {
    await query?.close();
    await dbs?.drop();
    await readModels?.drop();
  });

  const search = (body: unknown) => query.request('POST', '/api/v1/data/search', body);

  it('finds records by keyword with filters, newest first, and walks search_after pages without repeats', async () => {
    const all = await search({ keyword: 'phoenix', business_id: biz });
    expect(all).toHaveStatus(200);
    expect(all.body.data.map((r: { id: string }) => r.id).sort()).toEqual([stories[0].id, stories[1].id, stories[2].id].sort());
    expect(all.body.data.find((r: { id: string }) => r.id === stories[2].id)).toMatchObject({ version: 2, data_content: { title: 'dragon phoenix' } });
    const byUser = await search({ keyword: 'phoenix', business_id: biz, user_id: 7, date_range: { from: `${today}T00:00:00Z` } });
    expect(byUser.body.data.map((r: { id: string }) => r.id).sort()).toEqual([stories[0].id, stories[1].id].sort());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: Array<{ id: string }>; next_cursor: string | null } } = await search({
        business_id: biz,
        page_size: 1,
        sort: 'created_time_asc',
        ...(cursor ? { search_after: cursor } : {}),
      });
      expect(page).toHaveStatus(200);
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([stories[0].id, stories[1].id, stories[2].id]);
  });

  it('refuses bad search input with 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ page_size: 101 }, 'page_size'],
      [{ page_size: 'ten' }, 'page_size'],
      [{ date_range: { from: 'yesterday' } }, 'date_range.from'],
      [{ date_range: { from: '2026-02-01', to: '2026-01-01' } }, 'date_range.to'],
      [{ user_id: -3 }, 'user_id'],
      [{ sort: 'random' }, 'sort'],
      [{ sort: 'relevance' }, 'sort'],
      [{ color: 'red' }, 'color'],
      [{ search_after: 'not-a-cursor' }, 'search_after'],
    ];
    for (const [body, field] of cases) {
      const res = await search(body);
      expect([res.status, res.body.error.details[0]?.field]).toEqual([400, field]);
    }
  });

  it('answers the four analytics questions over a date range, and names bad fields', async () => {
    const perDay = await query.request('GET', `/api/v1/analytics/records-per-day?from=${today}&to=${today}&business_id=${biz}`);
    expect(perDay).toHaveStatus(200);
    expect(perDay.body.rows).toEqual([expect.objectContaining({ business_id: biz, day: today, records_created: 3, records_updated: 1, events: 4, active_users: 2 })]);
    const hot = await query.request('GET', `/api/v1/analytics/hot-businesses?from=${today}&to=${today}&limit=2`);
    expect(hot.body.businesses[0]).toMatchObject({ business_id: biz, events: 4 });
    const growth = await query.request('GET', `/api/v1/analytics/growth?from=${today}&to=${today}&business_id=${biz}`);
    expect(growth.body.buckets).toEqual([expect.objectContaining({ period_start: today, records_created: 3, cumulative_net: 3 })]);
    const active = await query.request('GET', `/api/v1/analytics/active-users?from=${today}&to=${today}`);
    expect(active.body.total_active_users).toBe(3);
    const bad = await query.request('GET', `/api/v1/analytics/growth?from=2026-13-01&to=${today}`);
    expect([bad.status, bad.body.error.details[0].field]).toEqual([400, 'from']);
    const reversed = await query.request('GET', `/api/v1/analytics/active-users?from=${today}&to=2000-01-01`);
    expect([reversed.status, reversed.body.error.details[0].field]).toEqual([400, 'to']);
  });

  it('reports every dependency in readiness, and answers 503 for search when Elasticsearch is unreachable while id reads go on', async () => {
    const ready = await query.request('GET', '/health/ready');
    expect(ready).toHaveStatus(200);
    expect(ready.body).toMatchObject({ redis: { status: 'up' }, elasticsearch: { status: 'up' }, clickhouse: { status: 'up' } });
    const blind = await startQueryApi(dbs.config, { SHARDLINE_ES_URL: 'http://127.0.0.1:1', SHARDLINE_CLICKHOUSE_URL: 'http://127.0.0.1:1', SHARDLINE_QUERY_SEARCH_TIMEOUT_MS: '1000' });
    try {
      const res = await blind.request('POST', '/api/v1/data/search', { keyword: 'phoenix' });
      expect([res.status, res.body.error.code]).toEqual([503, 'SEARCH.UNAVAILABLE']);
      const analytics = await blind.request('GET', `/api/v1/analytics/hot-businesses?from=${today}&to=${today}`);
      expect([analytics.status, analytics.body.error.code]).toEqual([503, 'ANALYTICS.UNAVAILABLE']);
      const health = await blind.request('GET', '/health/ready');
      expect(health).toHaveStatus(200);
      expect(health.body).toMatchObject({ elasticsearch: { status: 'down' }, clickhouse: { status: 'down' } });
      expect(await blind.request('GET', `/api/v1/data/${biz}/1`)).toHaveStatus(404);
    } finally {
      await blind.close();
    }
  });

  it('serves an OpenAPI document with the read, search and analytics routes', async () => {
    const doc = await query.request('GET', '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/data/page', '/api/v1/data/{business_id}/{id}', '/api/v1/data/search', '/api/v1/analytics/records-per-day', '/api/v1/analytics/hot-businesses', '/api/v1/analytics/growth', '/api/v1/analytics/active-users']),
    );
    expect(doc.body.paths['/api/v1/data/search'].post.requestBody.content['application/json'].schema.properties.page_size).toMatchObject({ maximum: 100 });
  });
});
