import fc from 'fast-check';
import { randomTag, RecordStory } from '../projections/projection-fixtures';
import { ProjectedReadModels } from '../query/projected-read-models';
import { ApiHarness } from '../support/api-harness';
import { OpenApiConformance } from '../support/openapi-conformance';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import {
  anyJson,
  bodyText,
  businessIdArb,
  contentTypeArb,
  correlationArb,
  digitString,
  encode,
  FuzzTarget,
  fuzzEndpoint,
  FuzzTotals,
  headersOf,
  mutatedObject,
  oddString,
  queryStringArb,
  RawRequest,
  segmentArb,
  userIdArb,
} from './fuzz-support';

/**
 * The query-api's endpoints fuzzed like the api's (test/fuzz/api-fuzz): reads by id and pages on
 * the shards, search on a private Elasticsearch index and analytics on a private ClickHouse
 * database, both holding a few projected records. No 5xx, documented statuses and bodies, every
 * 400 naming its field.
 */
describe('fuzzing the query-api: no 5xx, refusals name their field', () => {
  const tag = randomTag();
  const base = `${tag}-records`;
  const biz = `${tag}-biz`;
  let readModels: ProjectedReadModels;
  let dbs: TestDatabases;
  let query: ApiHarness;
  let target: FuzzTarget;
  const totals = new FuzzTotals();
  const stories = [new RecordStory(biz, '7', { title: 'phoenix rising', n: 1 }), new RecordStory(biz, '8', { title: 'dragon', tags: ['a', 'b'] })];

  beforeAll(async () => {
    readModels = await ProjectedReadModels.create(base, stories.flatMap((s) => s.events));
    dbs = await createTestDatabases(2);
    query = await startQueryApi(dbs.config, readModels.env);
    target = { url: query.url, conformance: new OpenApiConformance((await query.request('GET', '/api/v1/openapi.json')).body), totals };
  });
  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(totals.report('query-api'));
    await query?.close();
    await dbs?.drop();
    await readModels?.drop();
  });

  const day = fc.oneof(
    { weight: 4, arbitrary: fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
    { weight: 1, arbitrary: fc.constantFrom('2026-02-29', '2024-02-29', '0000-01-01', '9999-12-31', '2026-13-01', '2026-1-1', '20260101', '2026-01-01T00:00:00Z', '') },
    { weight: 1, arbitrary: oddString(12) },
  );

  it('POST /api/v1/data/search', async () => {
    const instant = fc.oneof(day, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), oddString(20), anyJson);
    const search = mutatedObject({
      keyword: fc.oneof(fc.constantFrom('phoenix', 'dragon', '*', '"', 'a AND b', '\\', '/regex/', 'x'.repeat(200), 'x'.repeat(201), '   '), oddString(30), anyJson),
      business_id: fc.oneof(fc.constant(biz), businessIdArb),
      user_id: userIdArb,
      date_range: fc.oneof(mutatedObject({ from: instant, to: instant }), anyJson),
      sort: fc.oneof(fc.constantFrom('created_time_desc', 'created_time_asc', 'relevance'), oddString(10)),
      page_size: fc.oneof(fc.integer({ min: -1, max: 102 }), anyJson),
      search_after: fc.oneof(fc.constantFrom('eyJ9', 'W10', 'WzEsMl0', 'x'.repeat(2048), 'x'.repeat(2049), 'bnVsbA', 'WyJhIiwiYiIsImMiXQ'), fc.base64String({ maxLength: 40 }), oddString(20)),
    });
    const requests = fc
      .record({ text: bodyText(search), type: contentTypeArb, correlation: correlationArb })
      .map(({ text, type, correlation }): RawRequest => ({ method: 'POST', path: '/api/v1/data/search', body: text, headers: headersOf({ 'content-type': type, 'x-correlation-id': correlation }) }));
    await fuzzEndpoint(target, 'POST /api/v1/data/search', requests);
  }, 300_000);

  it('GET /api/v1/analytics/*', async () => {
    const businessId = fc.oneof(fc.constant(biz), businessIdArb.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))));
    const routes = {
      'records-per-day': { business_id: businessId, limit: digitString(10_000) },
      'hot-businesses': { by: fc.oneof(fc.constantFrom('events', 'records_created'), oddString(10)), limit: digitString(1000) },
      growth: { interval: fc.oneof(fc.constantFrom('day', 'week', 'month'), oddString(10)), business_id: businessId },
      'active-users': { business_id: businessId },
    };
    // Mostly a range that is valid (from ≤ to, ≤ 366 days, around today), so the engine is reached with the odd parameters.
    const range = fc.tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -2, max: 370 })).map(([start, days]) => {
      const from = new Date(Date.now() + start * 86_400_000);
      return `from=${from.toISOString().slice(0, 10)}&to=${new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10)}`;
    });
    const requests = fc.oneof(
      ...Object.entries(routes).map(([route, params]) => {
        const odd = queryStringArb({ from: day, to: day, ...params });
        const withRange = fc.tuple(range, queryStringArb(params)).map(([r, q]) => (q ? `${r}&${q}` : r));
        return fc.oneof({ weight: 3, arbitrary: withRange }, { weight: 1, arbitrary: odd }).map((q): RawRequest => ({ method: 'GET', path: `/api/v1/analytics/${route}?${q}` }));
      }),
    );
    await fuzzEndpoint(target, 'GET /api/v1/analytics/*', requests);
  }, 300_000);

  it('GET /api/v1/data/{business_id}/{id} and /api/v1/data/page', async () => {
    const requests = fc.oneof(
      fc.tuple(segmentArb(fc.constant(biz)), segmentArb(fc.constantFrom(...stories.map((s) => s.id), '1'))).map(([b, id]): RawRequest => ({ method: 'GET', path: `/api/v1/data/${b}/${id}` })),
      queryStringArb({ business_id: fc.oneof(fc.constant(biz), oddString(70)), user_id: digitString(), cursor: oddString(30), page_size: digitString(100), page_num: digitString(60) }).map(
        (q): RawRequest => ({ method: 'GET', path: `/api/v1/data/page?${q}` }),
      ),
      fc.record({ b: fc.constant(encode(biz)), body: bodyText(anyJson), type: contentTypeArb }).map(({ b, body, type }): RawRequest => ({ method: 'GET', path: `/api/v1/data/${b}/1`, body, headers: headersOf({ 'content-type': type }) })),
    );
    await fuzzEndpoint(target, 'GET records (by id, page)', requests);
  }, 300_000);
});
