import fc from 'fast-check';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { RecordLimits } from '@shardline/records';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { OpenApiConformance } from '../support/openapi-conformance';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import {
  bodyText,
  businessIdArb,
  contentTypeArb,
  correlationArb,
  dataContentArb,
  encode,
  digitString,
  FuzzTotals,
  fuzzEndpoint,
  headersOf,
  idempotencyKeyArb,
  ifMatchArb,
  mutatedObject,
  oddString,
  preferArb,
  queryStringArb,
  rarely,
  RawRequest,
  segmentArb,
  userIdArb,
} from './fuzz-support';

/**
 * Security and operations issue, "bad input that answers 500": every endpoint of the api fuzzed
 * through its body, path, query and headers (fast-check, FUZZ_RUNS cases each, seeded) against a
 * real api on private databases, with the saga runtime on. Every answer: no 5xx, a status its
 * OpenAPI operation documents with the documented body, every 400/413 naming its field; every
 * refused write leaves the event count as it was.
 */
describe('fuzzing the api: no 5xx, refusals name their field, nothing half-written', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;
  let conformance: OpenApiConformance;
  const totals = new FuzzTotals();
  /** Records that exist, so that reads, patches and deletes also reach the store. */
  const seeded: Array<{ business: string; id: string }> = [];

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    // No saga worker runs: an accepted atomic batch or move answers 202 at once instead of waiting 10 s for a commit that never comes.
    api = await startApi(dbs.config, { SHARDLINE_ATOMIC_BATCH_WAIT_MS: '0', SHARDLINE_MOVE_WAIT_MS: '0' });
    databases = new ShardDatabases(dbs.config);
    conformance = new OpenApiConformance((await api.request('GET', '/api/v1/openapi.json')).body);
    for (let i = 0; i < 20; i++) {
      const created = await api.request('POST', '/api/v1/data/single', { business_id: `fuzz-${i % 4}`, user_id: i + 1, data_content: { i } });
      expectStatus(created, 201);
      seeded.push({ business: created.body.business_id, id: created.body.id });
    }
  });
  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(totals.report('api'));
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  const eventCount = async (): Promise<number> => {
    let n = 0;
    for (const shard of databases.shardIndexes()) {
      const [rows] = (await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM events')) as [Array<{ n: number }>];
      n += Number(rows[0].n);
    }
    return n;
  };

  /** Runs the property for one endpoint; `writes`: a refusal must leave the event count unchanged. */
  const fuzz = (endpoint: string, requests: fc.Arbitrary<RawRequest>, options: { writes: boolean }) =>
    fuzzEndpoint({ url: api.url, conformance, totals, writtenCount: options.writes ? eventCount : undefined }, endpoint, requests);

  const withBody = (method: string, path: string, body: fc.Arbitrary<unknown>, headers: Record<string, fc.Arbitrary<string | string[] | undefined>> = {}) =>
    fc.record({ text: bodyText(body), type: contentTypeArb, idempotencyKey: idempotencyKeyArb, correlation: correlationArb, more: fc.record(headers) }).map(
      ({ text, type, idempotencyKey, correlation, more }): RawRequest => ({
        method,
        path,
        body: text,
        headers: headersOf({ 'content-type': type, 'idempotency-key': idempotencyKey, 'x-correlation-id': correlation, ...more }),
      }),
    );
  const newRecord = mutatedObject({ business_id: businessIdArb, user_id: userIdArb, data_content: dataContentArb });
  const existing = () => fc.constantFrom(...seeded);
  const recordPath = () =>
    fc.oneof(
    { weight: 2, arbitrary: existing().map((r) => `/api/v1/data/${encode(r.business)}/${r.id}`) },
    { weight: 3, arbitrary: fc.tuple(segmentArb(fc.stringMatching(/^fuzz-[0-3]$/)), segmentArb(fc.constantFrom(...seeded.map((r) => r.id), '1', '383188219820244992'))).map(([b, id]) => `/api/v1/data/${b}/${id}`) },
  );

  it('POST /api/v1/data/single', async () => {
    await fuzz('POST /api/v1/data/single', withBody('POST', '/api/v1/data/single', newRecord), { writes: true });
  }, 300_000);

  it('POST /api/v1/data/batch', async () => {
    const data = fc.oneof(
      { weight: 30, arbitrary: fc.array(newRecord, { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom(RecordLimits.batchMaxRecords, RecordLimits.batchMaxRecords + 1).map((n) => Array.from({ length: n }, (_, i) => ({ business_id: 'fuzz-batch', user_id: i + 1, data_content: {} }))) },
      { weight: 3, arbitrary: oddString() },
    );
    const batch = mutatedObject({ data, atomic: fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null)) });
    await fuzz('POST /api/v1/data/batch', withBody('POST', '/api/v1/data/batch', batch, { prefer: preferArb }), { writes: true });
  }, 300_000);

  it('POST /api/v1/data/moves', async () => {
    const ids = fc.oneof(
      { weight: 30, arbitrary: fc.array(fc.oneof(fc.constantFrom(...seeded.map((r) => r.id)), oddString(20), digitString()), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constant(Array.from({ length: RecordLimits.moveMaxRecords + 1 }, (_, i) => String(i + 1))) },
      { weight: 3, arbitrary: oddString() },
    );
    const move = mutatedObject({ from_business_id: fc.oneof(fc.constantFrom('fuzz-0', 'fuzz-empty'), businessIdArb), to_business_id: fc.oneof(fc.constantFrom('fuzz-1', 'fuzz-0'), businessIdArb), record_ids: ids });
    await fuzz('POST /api/v1/data/moves', withBody('POST', '/api/v1/data/moves', move, { prefer: preferArb }), { writes: true });
  }, 300_000);

  it('PATCH /api/v1/data/{business_id}/{id}', async () => {
    const requests = fc
      .record({ path: recordPath(), patch: mutatedObject({ data_content: dataContentArb }), ifMatch: ifMatchArb })
      .chain(({ path, patch, ifMatch }) => withBody('PATCH', path, fc.constant(patch), { 'if-match': fc.constant(ifMatch) }));
    await fuzz('PATCH /api/v1/data/{business_id}/{id}', requests, { writes: true });
  }, 300_000);

  it('DELETE /api/v1/data/{business_id}/{id}', async () => {
    const requests = fc
      .record({ path: recordPath(), ifMatch: ifMatchArb, key: idempotencyKeyArb, type: contentTypeArb, body: rarely(bodyText(fc.constant({})), 5) })
      .map(({ path, ifMatch, key, type, body }): RawRequest => ({ method: 'DELETE', path, body, headers: headersOf({ 'if-match': ifMatch, 'idempotency-key': key, 'content-type': body === undefined && type !== 'application/json' ? undefined : type }) }));
    await fuzz('DELETE /api/v1/data/{business_id}/{id}', requests, { writes: true });
  }, 300_000);

  it('GET /api/v1/data/{business_id}/{id}', async () => {
    const requests = fc.record({ path: recordPath(), correlation: correlationArb }).map(({ path, correlation }): RawRequest => ({ method: 'GET', path, headers: headersOf({ 'x-correlation-id': correlation }) }));
    await fuzz('GET /api/v1/data/{business_id}/{id}', requests, { writes: false });
  }, 300_000);

  it('GET /api/v1/data/page', async () => {
    const query = queryStringArb({
      business_id: fc.oneof(fc.constantFrom('fuzz-0', 'a'.repeat(64), 'a'.repeat(65)), oddString(70)),
      user_id: digitString(),
      cursor: fc.oneof(oddString(30), fc.constantFrom('x'.repeat(200), 'x'.repeat(201), 'eyJ9', '0')),
      page_size: digitString(RecordLimits.pageMaxSize),
      page_num: digitString(60),
    });
    await fuzz('GET /api/v1/data/page', query.map((q): RawRequest => ({ method: 'GET', path: `/api/v1/data/page?${q}` })), { writes: false });
  }, 300_000);

  it('POST /api/v1/users/{user_id}/erasure', async () => {
    const requests = fc
      .record({ user: segmentArb(fc.oneof(fc.constantFrom('999999', '1'), digitString())), key: idempotencyKeyArb, type: contentTypeArb, body: rarely(bodyText(fc.constant({})), 5) })
      .map(({ user, key, type, body }): RawRequest => ({ method: 'POST', path: `/api/v1/users/${user}/erasure`, body, headers: headersOf({ 'idempotency-key': key, 'content-type': body === undefined ? undefined : type }) }));
    await fuzz('POST /api/v1/users/{user_id}/erasure', requests, { writes: true });
  }, 300_000);

  it('GET /api/v1/sagas/{id} and the /admin/sagas routes', async () => {
    const id = segmentArb(fc.oneof(fc.constantFrom('01JD3Q7', 'a'.repeat(64), 'a'.repeat(65)), oddString(20)));
    const list = queryStringArb({
      status: fc.oneof(fc.constantFrom('running', 'parked', 'RUNNING'), oddString(10)),
      type: fc.oneof(fc.constantFrom('atomic-batch', 'move-records', 'x'.repeat(49)), oddString(10)),
      limit: digitString(100),
      before: oddString(20),
    });
    const requests = fc.oneof(
      id.map((s): RawRequest => ({ method: 'GET', path: `/api/v1/sagas/${s}` })),
      id.map((s): RawRequest => ({ method: 'GET', path: `/admin/sagas/${s}` })),
      list.map((q): RawRequest => ({ method: 'GET', path: `/admin/sagas?${q}` })),
      fc.tuple(id, fc.constantFrom('retry', 'abort', 'pause', 'resume'), rarely(bodyText(fc.constant({})), 5), contentTypeArb).map(
        ([s, action, body, type]): RawRequest => ({ method: 'POST', path: `/admin/sagas/${s}/${action}`, body, headers: headersOf({ 'content-type': body === undefined ? undefined : type }) }),
      ),
    );
    await fuzz('sagas: status, list, inspect, retry, abort, pause, resume', requests, { writes: false });
  }, 300_000);
});
