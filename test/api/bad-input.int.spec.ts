import { RecordLimits } from '@shardline/records';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, ApiResponse, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { send } from '../fuzz/fuzz-support';

/** `{a: {a: … {}}}`: `levels` objects deep, data_content itself being level 1. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

function expectFieldError(response: ApiResponse, status: number, field: string, message: RegExp): void {
  expectStatus(response, status);
  const details: Array<{ field: string; message: string }> = response.body.error.details;
  const detail = details.find((d) => d.field === field);
  if (!detail || !message.test(detail.message)) throw new Error(`expected a detail for ${field} matching ${message}, got ${JSON.stringify(response.body)}`);
}

/**
 * Security and operations issue, "bad input that answers 500 or is refused wrongly", each tried as
 * a new user would: the answer is a 4xx naming the field (or a success), and nothing is half-written.
 */
describe('bad input is refused with a 4xx naming the field, and good input in unusual clothes is accepted', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;
  const business = businessOnShard(0);

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    api = await startApi(dbs.config, { SHARDLINE_SAGAS_ENABLED: 'false' });
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  const eventCount = async () => {
    let n = 0;
    for (const shard of databases.shardIndexes()) {
      const [rows] = (await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM events')) as [Array<{ n: number }>];
      n += Number(rows[0].n);
    }
    return n;
  };
  const create = (dataContent: unknown, businessId = business) => api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: dataContent });

  it(`refuses data_content nested deeper than ${RecordLimits.dataContentMaxDepth} levels on every write path, writing nothing`, async () => {
    const before = await eventCount();
    const deep = nested(RecordLimits.dataContentMaxDepth + 1);
    expectFieldError(await create(deep), 400, 'data_content', new RegExp(`nested ${RecordLimits.dataContentMaxDepth + 1} levels deep; the limit is ${RecordLimits.dataContentMaxDepth}`));
    expectFieldError(await create(nested(40)), 400, 'data_content', /the limit is/);
    // Arrays count as levels too.
    let array: unknown = [];
    for (let i = 1; i < 40; i++) array = [array];
    expectFieldError(await create({ list: array }), 400, 'data_content', /nested 41 levels deep/);

    const batch = await api.request('POST', '/api/v1/data/batch', { data: [{ business_id: business, user_id: 1, data_content: {} }, { business_id: business, user_id: 1, data_content: deep }] });
    expectFieldError(batch, 400, 'data[1].data_content', /the limit is/);

    const ok = await create(nested(RecordLimits.dataContentMaxDepth));
    expectStatus(ok, 201);
    // A merge patch's result is never deeper than the deeper of the record and the patch, so the patch's own depth is the rule.
    const tooDeepPatch = await api.request('PATCH', `/api/v1/data/${business}/${ok.body.id}`, { data_content: { x: nested(RecordLimits.dataContentMaxDepth) } });
    expectFieldError(tooDeepPatch, 400, 'data_content', /nested 21 levels deep/);
    expectFieldError(await api.request('PATCH', `/api/v1/data/${business}/${ok.body.id}`, { data_content: nested(60) }), 400, 'data_content', /the limit is/);
    expect(await eventCount()).toBe(before + 1);
  });

  it('accepts PATCH with Content-Type application/merge-patch+json (RFC 7386)', async () => {
    const { body: rec } = await create({ a: 1 });
    const response = await fetch(`${api.url.replace('[::1]', '127.0.0.1')}/api/v1/data/${business}/${rec.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ data_content: { a: 2 } }),
    });
    const body = (await response.json()) as { data_content: unknown };
    expectStatus({ status: response.status, headers: response.headers, body }, 200);
    expect(body.data_content).toEqual({ a: 2 });
  });

  it('accepts DELETE sent with Content-Type application/json and no body', async () => {
    const { body: rec } = await create({ a: 1 });
    const response = await fetch(`${api.url.replace('[::1]', '127.0.0.1')}/api/v1/data/${business}/${rec.id}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    const text = await response.text();
    expectStatus({ status: response.status, headers: response.headers, body: text ? JSON.parse(text) : text }, 200);
  });

  it('refuses a business_id holding control characters or unpaired surrogates, in bodies and paths', async () => {
    const before = await eventCount();
    for (const bad of ['a\u0000b', 'tab\there', 'line\nbreak', 'del\u007f', 'c1\u0085', 'lone\ud800']) {
      expectFieldError(await create({}, bad), 400, 'business_id', /control characters|unpaired surrogate/);
    }
    const read = await api.request('GET', `/api/v1/data/${encodeURIComponent('a\u0001b')}/123`);
    expectFieldError(read, 400, 'business_id', /control characters/);
    expect(await eventCount()).toBe(before);
  });

  it('names the allowed range when page_size is out of it', async () => {
    for (const size of ['1000', '0', '-5']) {
      expectFieldError(await api.request('GET', `/api/v1/data/page?business_id=${business}&page_size=${size}`), 400, 'page_size', new RegExp(`1\\.\\.${RecordLimits.pageMaxSize}`));
    }
    expectFieldError(await api.request('GET', `/api/v1/data/page?business_id=${business}&page_size=abc`), 400, 'page_size', /integer 1\.\.100/);
  });

  // Found by the fuzzer (test/fuzz): refusals the framework made itself, outside the envelope or naming nothing.
  it('reads, patches and deletes a record whose business_id is 64 non-ASCII characters (the router allowed 100 bytes per segment: 414)', async () => {
    const emoji = '🙂'.repeat(RecordLimits.businessIdMaxLength);
    const { body: rec } = await create({ a: 1 }, emoji);
    const path = `/api/v1/data/${encodeURIComponent(emoji)}/${rec.id}`;
    expectStatus(await api.request('GET', path), 200);
    expectStatus(await api.request('PATCH', path, { data_content: { b: 2 } }), 200);
    expectStatus(await api.request('DELETE', path), 200);
    const tooLong = await api.request('GET', `/api/v1/data/${'a'.repeat(3000)}/1`);
    expectFieldError(tooLong, 400, '(path)', /too long/);
  });

  it('answers a path with a broken percent-escape with 400 BAD_URL in the envelope, naming (path)', async () => {
    for (const segment of ['%C0%AE', '%zz', '%']) {
      const response = await api.request('GET', `/api/v1/data/${segment}/1`);
      expectFieldError(response, 400, '(path)', /percent-encoding/);
      expect(response.body.error.code).toBe('BAD_URL');
    }
  });

  it('names (body) when the body is not JSON, and Content-Type when it is not a JSON type', async () => {
    expectFieldError(await api.request('POST', '/api/v1/data/single', '{"a":', {}), 400, '(body)', /not valid JSON/);
    expectFieldError(await api.request('POST', '/api/v1/data/single', '', { 'content-type': 'application/json' }), 400, '(body)', /./);
    expectFieldError(await api.request('POST', '/api/v1/data/single', 'x', { 'content-type': 'text/plain' }), 415, 'Content-Type', /./);
  });

  it('answers a request line over the header limit (Node refuses it before routing) with 431 in the envelope', async () => {
    const answer = await send(api.url, { method: 'GET', path: `/api/v1/data/page?business_id=${'a'.repeat(20_000)}` });
    expect([answer?.status, answer?.json?.error]).toEqual([431, { code: 'HEADERS_TOO_LARGE', message: expect.any(String), details: [{ field: '(headers)', message: expect.any(String) }] }]);
  });

  it('refuses data_content holding an unpaired surrogate (key or value) with 400 naming data_content, writing nothing (was 500: MariaDB refused the JSON)', async () => {
    const before = await eventCount();
    // JSON.stringify writes a lone surrogate as the escape \udfff: valid JSON text, no UTF-8 encoding.
    expectFieldError(await create({ note: 'x\udfff' }), 400, 'data_content', /unpaired surrogate.*data_content\.note/);
    expectFieldError(await create({ ['k\ud800']: 1 }), 400, 'data_content', /unpaired surrogate/);
    const batch = await api.request('POST', '/api/v1/data/batch', { data: [{ business_id: business, user_id: 1, data_content: { a: ['\udfff\ud800'] } }] });
    expectFieldError(batch, 400, 'data[0].data_content', /unpaired surrogate/);
    const { body: rec } = await create({ a: 1 });
    const patch = await api.request('PATCH', `/api/v1/data/${business}/${rec.id}`, { data_content: { a: '\ud800' } });
    expectFieldError(patch, 400, 'data_content', /unpaired surrogate/);
    expect(await eventCount()).toBe(before + 1);
  });
});
