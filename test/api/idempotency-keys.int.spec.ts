import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * Idempotency-Key faults found by reading the write path (integrity issue, items 4 and 5): a repeated
 * key must return the first answer and write nothing, whatever that answer was; a key reused with
 * another body must be refused before anything is written.
 */
describe('Idempotency-Key on 4 real shard databases', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    api = await startApi(dbs.config);
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  const recordsOf = async (shard: number, businessId: string) =>
    Number((await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [businessId]))[0][0].n);

  it('a no-op PATCH is remembered under its key: the retry replays it instead of patching a record changed since', async () => {
    const businessId = businessOnShard(2);
    const created = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: { a: 1 } });
    expectStatus(created, 201);
    const path = `/api/v1/data/${businessId}/${created.body.id}`;

    const noop = await api.request('PATCH', path, { data_content: { a: 1 } }, { 'idempotency-key': 'noop-k1' });
    expectStatus(noop, 200);
    expect(noop.body.version).toBe(1);
    expectStatus(await api.request('PATCH', path, { data_content: { a: 2 } }), 200);

    const retry = await api.request('PATCH', path, { data_content: { a: 1 } }, { 'idempotency-key': 'noop-k1' });
    expectStatus(retry, 200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(noop.body);
    const now = await api.request('GET', path);
    expect(now.body).toMatchObject({ version: 2, data_content: { a: 2 } });
  });

  it('a batch key reused with another body is refused with 422 before any part is written, on any shard', async () => {
    const [a0, b1] = [businessOnShard(0), businessOnShard(1)];
    const first = await api.request('POST', '/api/v1/data/batch', { data: [{ business_id: a0, user_id: 1, data_content: {} }] }, { 'idempotency-key': 'batch-k1' });
    expectStatus(first, 201);

    // Another body under the same key, touching shard 0 (where the key is remembered) and shard 1 (where it is not).
    const reused = await api.request(
      'POST',
      '/api/v1/data/batch',
      { data: [{ business_id: a0, user_id: 2, data_content: {} }, { business_id: b1, user_id: 2, data_content: {} }] },
      { 'idempotency-key': 'batch-k1' },
    );
    expectStatus(reused, 422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY.REUSED');
    expect(await recordsOf(0, a0)).toBe(1);
    expect(await recordsOf(1, b1)).toBe(0);

    // A body touching only a shard the key never wrote to is refused too: the key belongs to the first request.
    const elsewhere = await api.request('POST', '/api/v1/data/batch', { data: [{ business_id: b1, user_id: 3, data_content: {} }] }, { 'idempotency-key': 'batch-k1' });
    expectStatus(elsewhere, 422);
    expect(await recordsOf(1, b1)).toBe(0);

    // The original request, repeated, still replays.
    const replay = await api.request('POST', '/api/v1/data/batch', { data: [{ business_id: a0, user_id: 1, data_content: {} }] }, { 'idempotency-key': 'batch-k1' });
    expectStatus(replay, 201);
    expect(replay.body.results).toEqual(first.body.results);
  });
});
