import { randomUUID } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { ApiHarness, startApi } from '../support/api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/** A POST whose body the test sends in two halves, so the request stays in flight in between. */
function slowPost(base: string, path: string, body: string): { sendRest: () => void; abort: () => void; response: Promise<{ status: number; body: any }> } {
  const url = new URL(path, base);
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { sendRest: () => req.end(body.slice(half)), abort: () => req.destroy(), response };
}

describe('write admission: load shedding past the in-flight byte limit', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  const LIMIT = 4096;

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    api = await startApi(dbs.config, { SHARDLINE_HTTP_MAX_IN_FLIGHT_BYTES: String(LIMIT), SHARDLINE_HTTP_RETRY_AFTER_SECONDS: '2' });
  });
  afterAll(async () => {
    await api?.close();
    await dbs?.drop();
  });

  const record = (business: string, pad = 0) => ({ business_id: business, user_id: '42', data_content: { pad: 'x'.repeat(pad) } });

  it('refuses a write that would exceed the limit with 503 SERVER.OVERLOADED and Retry-After, writes nothing, and admits again once the load is gone', async () => {
    const business = `adm-${randomUUID().slice(0, 8)}`;
    // 3,000 bytes in flight: the body arrives in two halves, the test holds the second one back.
    const first = slowPost(api.url.replace('[::1]', '127.0.0.1'), '/api/v1/data/single', JSON.stringify(record(business, 2900)));
    await new Promise((r) => setTimeout(r, 200));

    const refused = await api.request('POST', '/api/v1/data/batch', { data: [record(`${business}-refused`, 1500)] });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.body.error).toMatchObject({ code: 'SERVER.OVERLOADED', details: [] });
    expect(refused.body.error.message).toContain(`limit ${LIMIT}`);

    // Reads are not counted; a small write still fits beside the one in flight.
    expect((await api.request('GET', `/api/v1/data/${business}/1`)).status).toBe(404);
    const small = await api.request('POST', '/api/v1/data/single', record(business));
    expect(small.status).toBe(201);

    first.sendRest();
    expect((await first.response).status).toBe(201);

    // Nothing of the refused write exists; with the load gone the same write is admitted.
    const pageOfRefused = () => api.request('GET', `/api/v1/data/page?business_id=${business}-refused&page_size=10`);
    const before = await pageOfRefused();
    expect([before.status, before.body.data]).toEqual([200, []]);
    const retried = await api.request('POST', '/api/v1/data/batch', { data: [record(`${business}-refused`, 1500)] });
    expect(retried.status).toBe(201);
    expect((await pageOfRefused()).body.data).toHaveLength(1);
  });

  it('always admits one request alone, however large (the body limit, not this, bounds it)', async () => {
    const alone = await api.request('POST', '/api/v1/data/single', record(`adm-${randomUUID().slice(0, 8)}`, 6000));
    expect(alone.status).toBe(201);
  });

  it('a client that drops its request releases its share', async () => {
    const business = `adm-${randomUUID().slice(0, 8)}`;
    const dropped = slowPost(api.url.replace('[::1]', '127.0.0.1'), '/api/v1/data/single', JSON.stringify(record(business, 3500)));
    dropped.response.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect((await api.request('POST', '/api/v1/data/single', record(business, 1000))).status).toBe(503);
    // Abort mid-body: the server sees the connection close and gives the bytes back.
    dropped.abort();
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline && (status = (await api.request('POST', '/api/v1/data/single', record(business, 1000))).status) === 503) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(201);
  });
});
