import { randomUUID } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, startApi } from '../support/api-harness';
import { waitFor } from '../support/wait-for';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/** A request whose body the test sends in two halves, so the request stays in flight in between. */
function slowPost(base: string, path: string, body: string, method = 'POST'): { sendRest: () => void; abort: () => void; response: Promise<{ status: number; body: any }> } {
  const url = new URL(path, base);
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req = httpRequest(url, { method, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res: IncomingMessage) => {
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

/**
 * Whether a write of about `bytes` would be admitted now: an invalid batch of that size answers
 * 400 when admitted (nothing is written) and 503 when refused.
 */
async function admits(api: ApiHarness, bytes: number): Promise<boolean> {
  const res = await api.request('POST', '/api/v1/data/batch', { data: [], pad: 'x'.repeat(bytes) });
  if (res.status !== 400 && res.status !== 503) throw new Error(`unexpected ${res.status}`);
  return res.status === 400;
}

describe('write admission: load shedding past the in-flight byte limit', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;
  const LIMIT = 4096;

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    api = await startApi(dbs.config, { SHARDLINE_HTTP_MAX_IN_FLIGHT_BYTES: String(LIMIT), SHARDLINE_HTTP_RETRY_AFTER_SECONDS: '2' });
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  const record = (business: string, pad = 0) => ({ business_id: business, user_id: '42', data_content: { pad: 'x'.repeat(pad) } });

  it('refuses a write that would exceed the limit with 503 SERVER.OVERLOADED and Retry-After, writes nothing, and admits again once the load is gone', async () => {
    const business = `adm-${randomUUID().slice(0, 8)}`;
    // 3,000 bytes in flight: the body arrives in two halves, the test holds the second one back.
    const first = slowPost(api.url.replace('[::1]', '127.0.0.1'), '/api/v1/data/single', JSON.stringify(record(business, 2900)));
    await waitFor('the slow request to be counted', async () => !(await admits(api, 1500)), { timeoutMs: 10_000, intervalMs: 20 });

    const refused = await api.request('POST', '/api/v1/data/batch', { data: [record(`${business}-refused`, 1500)] });
    expect(refused).toHaveStatus(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.body.error).toMatchObject({ code: 'SERVER.OVERLOADED', details: [] });
    expect(refused.body.error.message).toContain(`limit ${LIMIT}`);
    // The refusal is answered by a hook before any handler, and still counted by route; the slow write is in flight.
    const metrics = await (await fetch(`${api.url.replace('[::1]', '127.0.0.1')}/metrics`)).text();
    expect(metrics).toMatch(/shardline_http_requests_total\{method="POST",route="\/api\/v1\/data\/batch",status="503",app="api"\} [1-9]/);
    expect(metrics).toContain('shardline_http_requests_in_flight{method="POST",app="api"} 1');

    // Reads are not counted; a small write still fits beside the one in flight.
    expect(await api.request('GET', `/api/v1/data/${business}/1`)).toHaveStatus(404);
    const small = await api.request('POST', '/api/v1/data/single', record(business));
    expect(small).toHaveStatus(201);

    first.sendRest();
    expect(await first.response).toHaveStatus(201);

    // Nothing of the refused write exists; with the load gone the same write is admitted.
    const pageOfRefused = () => api.request('GET', `/api/v1/data/page?business_id=${business}-refused&page_size=10`);
    const before = await pageOfRefused();
    expect([before.status, before.body.data]).toEqual([200, []]);
    const retried = await api.request('POST', '/api/v1/data/batch', { data: [record(`${business}-refused`, 1500)] });
    expect(retried).toHaveStatus(201);
    expect((await pageOfRefused()).body.data).toHaveLength(1);
  });

  it('always admits one request alone, however large (the body limit, not this, bounds it)', async () => {
    const alone = await api.request('POST', '/api/v1/data/single', record(`adm-${randomUUID().slice(0, 8)}`, 6000));
    expect(alone).toHaveStatus(201);
  });

  it('a client that drops its request releases its share', async () => {
    const business = `adm-${randomUUID().slice(0, 8)}`;
    const dropped = slowPost(api.url.replace('[::1]', '127.0.0.1'), '/api/v1/data/single', JSON.stringify(record(business, 3500)));
    dropped.response.catch(() => undefined);
    await waitFor('the slow request to be counted', async () => !(await admits(api, 1000)), { timeoutMs: 10_000, intervalMs: 20 });
    // Abort mid-body: the server sees the connection close and gives the bytes back.
    dropped.abort();
    await waitFor('the dropped request to be released', () => admits(api, 1000), { timeoutMs: 5000, intervalMs: 50 });
    expect(await api.request('POST', '/api/v1/data/single', record(business, 1000))).toHaveStatus(201);
  });

  it('a client that gives up after sending its whole body stays counted until its write is done', async () => {
    const business = `adm-${randomUUID().slice(0, 8)}`;
    const created = await api.request('POST', '/api/v1/data/single', record(business));
    expect(created).toHaveStatus(201);
    // Hold the record's state row: the update below then waits inside its transaction.
    const locks = await Promise.all(databases.shardIndexes().map((shard) => databases.shard(shard).transaction()));
    try {
      for (const trx of locks) await trx.raw('SELECT id FROM records WHERE id = ? FOR UPDATE', [created.body.id]);
      const body = JSON.stringify({ data_content: { pad: 'y'.repeat(3000) } });
      const patch = slowPost(api.url.replace('[::1]', '127.0.0.1'), `/api/v1/data/${business}/${created.body.id}`, body, 'PATCH');
      patch.response.catch(() => undefined);
      patch.sendRest();
      await waitFor('the update to be counted', async () => !(await admits(api, 1500)), { timeoutMs: 10_000, intervalMs: 20 });
      patch.abort(); // the client is gone, the update is still waiting for the row
      await new Promise((r) => setTimeout(r, 300));
      expect(await admits(api, 1500)).toBe(false);
    } finally {
      for (const trx of locks) await trx.commit();
    }
    // Once the update is through, its bytes are free again, and it was applied.
    await waitFor('the update to finish and be released', () => admits(api, 1500), { timeoutMs: 10_000, intervalMs: 50 });
    const read = await api.request('GET', `/api/v1/data/${business}/${created.body.id}`);
    expect(read.body.version).toBe(2);
  });

  it('a body declared above the body limit gets 413 at once, not 503, even while busy', async () => {
    const business = `adm-${randomUUID().slice(0, 8)}`;
    const busy = slowPost(api.url.replace('[::1]', '127.0.0.1'), '/api/v1/data/single', JSON.stringify(record(business, 3500)));
    busy.response.catch(() => undefined);
    try {
      await waitFor('the slow request to be counted', async () => !(await admits(api, 1000)), { timeoutMs: 10_000, intervalMs: 20 });
      const huge = await api.request('POST', '/api/v1/data/single', record(business, 17 * 1024 * 1024));
      expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    } finally {
      busy.abort();
    }
  });
});
