import { randomUUID } from 'node:crypto';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

async function countRows(databases: ShardDatabases, shard: number, table: string): Promise<number> {
  const [rows] = await databases.shard(shard).raw(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0].n);
}

describe('records REST API on 4 real shard databases', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    // Sagas off: this file checks the plain write path, and that an atomic batch then answers 501.
    api = await startApi(dbs.config, { SHARDLINE_SAGAS_ENABLED: 'false' });
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('creates a record on the crc32 shard with event, outbox and state in one go, and reads it back', async () => {
    const businessId = businessOnShard(3);
    const created = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: '9007199254740993', data_content: { n: 1 } });
    expect(created).toHaveStatus(201);
    expect(created.body).toMatchObject({ business_id: businessId, user_id: '9007199254740993', version: 1, data_content: { n: 1 } });
    expect(created.body.id).toMatch(/^[1-9][0-9]+$/);

    const shard = databases.shard(3);
    const [events] = await shard.raw('SELECT event_type, stream_version, JSON_VALUE(metadata, "$.correlationId") AS corr FROM events WHERE stream_id = ?', [`record-${created.body.id}`]);
    expect(events).toEqual([{ event_type: 'RecordCreated', stream_version: 1, corr: created.headers.get('x-correlation-id') }]);
    const [outbox] = await shard.raw('SELECT partition_key FROM outbox WHERE stream_id = ?', [`record-${created.body.id}`]);
    expect(outbox).toEqual([{ partition_key: businessId }]);
    for (const other of [0, 1, 2]) {
      const [rows] = await databases.shard(other).raw('SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [businessId]);
      expect(Number(rows[0].n)).toBe(0);
    }

    const read = await api.request('GET', `/api/v1/data/${businessId}/${created.body.id}`);
    expect(read).toHaveStatus(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get('etag')).toBe('"1"');
  });

  it('patches with JSON merge patch, honours If-Match, and deletes', async () => {
    const businessId = businessOnShard(1);
    const { body: rec } = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 7, data_content: { a: 1, b: { c: 2, d: 3 } } });
    const patched = await api.request('PATCH', `/api/v1/data/${businessId}/${rec.id}`, { data_content: { a: null, b: { c: 9 }, e: [1] } }, { 'if-match': '"1"' });
    expect(patched).toHaveStatus(200);
    expect(patched.body).toMatchObject({ version: 2, data_content: { b: { c: 9, d: 3 }, e: [1] } });

    const stale = await api.request('PATCH', `/api/v1/data/${businessId}/${rec.id}`, { data_content: { z: 1 } }, { 'if-match': '"1"' });
    expect(stale).toHaveStatus(409);
    expect(stale.body.error.code).toBe('RECORD.VERSION_CONFLICT');

    const noop = await api.request('PATCH', `/api/v1/data/${businessId}/${rec.id}`, { data_content: { a: null } });
    expect(noop.body.version).toBe(2);

    const deleted = await api.request('DELETE', `/api/v1/data/${businessId}/${rec.id}`, undefined, { 'if-match': '2' });
    expect(deleted).toHaveStatus(200);
    expect(deleted.body).toEqual({ id: rec.id, business_id: businessId, version: 3, deleted: true });
    expect(await api.request('GET', `/api/v1/data/${businessId}/${rec.id}`)).toHaveStatus(404);
    expect(await api.request('DELETE', `/api/v1/data/${businessId}/${rec.id}`)).toHaveStatus(404);
    // The wrong business cannot see or touch the record.
    expect(await api.request('GET', `/api/v1/data/other-${businessId}/${rec.id}`)).toHaveStatus(404);

    const [events] = await databases.shard(1).raw('SELECT event_type FROM events WHERE stream_id = ? ORDER BY stream_version', [`record-${rec.id}`]);
    expect(events.map((e: { event_type: string }) => e.event_type)).toEqual(['RecordCreated', 'RecordUpdated', 'RecordDeleted']);
  });

  it('lets exactly one of many concurrent If-Match updates win', async () => {
    const businessId = businessOnShard(2);
    const { body: rec } = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: {} });
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.request('PATCH', `/api/v1/data/${businessId}/${rec.id}`, { data_content: { winner: i } }, { 'if-match': '"1"' })),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(9);
    // Without If-Match, concurrent updates all land (conflicts are retried with fresh state).
    const unpinned = await Promise.all(Array.from({ length: 5 }, (_, i) => api.request('PATCH', `/api/v1/data/${businessId}/${rec.id}`, { data_content: { [`k${i}`]: i } })));
    for (const r of unpinned) expect(r).toHaveStatus(200);
    const final = await api.request('GET', `/api/v1/data/${businessId}/${rec.id}`);
    expect(final.body.version).toBe(7);
    expect(Object.keys(final.body.data_content).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'winner']);
  });

  it('replays a repeated Idempotency-Key without writing, also under concurrency, and refuses a reused key', async () => {
    const businessId = businessOnShard(0);
    const key = `create-${randomUUID()}`;
    const body = { business_id: businessId, user_id: 5, data_content: { once: true } };
    const responses = await Promise.all(Array.from({ length: 6 }, () => api.request('POST', '/api/v1/data/single', body, { 'idempotency-key': key })));
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    for (const r of responses) expect(r).toHaveStatus(201);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    const [rows] = await databases.shard(0).raw('SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [businessId]);
    expect(Number(rows[0].n)).toBe(1);

    const reused = await api.request('POST', '/api/v1/data/single', { ...body, user_id: 6 }, { 'idempotency-key': key });
    expect(reused).toHaveStatus(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY.REUSED');

    const rec = [...ids][0];
    const patchKey = `patch-${randomUUID()}`;
    const p1 = await api.request('PATCH', `/api/v1/data/${businessId}/${rec}`, { data_content: { n: 1 } }, { 'idempotency-key': patchKey });
    const p2 = await api.request('PATCH', `/api/v1/data/${businessId}/${rec}`, { data_content: { n: 1 } }, { 'idempotency-key': patchKey });
    expect(p2.body).toEqual(p1.body);
    expect(p2.headers.get('idempotent-replayed')).toBe('true');
    expect((await api.request('GET', `/api/v1/data/${businessId}/${rec}`)).body.version).toBe(2);
  });

  it('writes a batch across all four shards, one transaction per shard, with per-record results', async () => {
    const tag = randomUUID().slice(0, 8);
    const data = Array.from({ length: 400 }, (_, i) => ({ business_id: businessOnShard(i % 4, `biz-${tag}${i % 4}`), user_id: i + 1, data_content: { i } }));
    const before = await Promise.all([0, 1, 2, 3].map((s) => countRows(databases, s, 'records')));
    const res = await api.request('POST', '/api/v1/data/batch', { data });
    expect(res).toHaveStatus(201);
    expect(res.body.created).toBe(400);
    expect(res.body.results.map((r: { index: number }) => r.index)).toEqual(data.map((_, i) => i));
    const after = await Promise.all([0, 1, 2, 3].map((s) => countRows(databases, s, 'records')));
    expect(after.map((n, s) => n - before[s])).toEqual([100, 100, 100, 100]);
    const got = await api.request('GET', `/api/v1/data/${data[7].business_id}/${res.body.results[7].id}`);
    expect(got.body.data_content).toEqual({ i: 7 });
  });

  it('rejects bad input with 4xx JSON naming the field and writes nothing', async () => {
    const businessId = businessOnShard(2);
    const before = await countRows(databases, 2, 'events');
    const cases: Array<[unknown, number, string]> = [
      [{ business_id: 'x'.repeat(65), user_id: 1, data_content: {} }, 400, 'business_id'],
      [{ business_id: businessId, user_id: 0, data_content: {} }, 400, 'user_id'],
      [{ business_id: businessId, user_id: '9223372036854775808', data_content: {} }, 400, 'user_id'],
      [{ business_id: businessId, user_id: 1.5, data_content: {} }, 400, 'user_id'],
      [{ business_id: businessId, user_id: 1, data_content: 'text' }, 400, 'data_content'],
      [{ business_id: businessId, user_id: 1, data_content: {}, extra: 1 }, 400, 'extra'],
      [{ business_id: businessId, user_id: 1, data_content: { big: 'x'.repeat(70_000) } }, 413, 'data_content'],
    ];
    for (const [body, status, field] of cases) {
      const res = await api.request('POST', '/api/v1/data/single', body);
      expect([res.status, res.body.error.details[0]?.field]).toEqual([status, field]);
    }
    const batch = await api.request('POST', '/api/v1/data/batch', {
      data: [{ business_id: businessId, user_id: 1, data_content: {} }, { business_id: businessId, user_id: -1, data_content: {} }],
    });
    expect(batch).toHaveStatus(400);
    expect(batch.body.error.details).toEqual([{ field: 'data[1].user_id', message: expect.any(String) }]);
    const tooMany = await api.request('POST', '/api/v1/data/batch', { data: Array.from({ length: 10_001 }, () => ({})) });
    expect([tooMany.status, tooMany.body.error.details[0].field]).toEqual([413, 'data']);
    const atomic = await api.request('POST', '/api/v1/data/batch', { data: [{ business_id: businessId, user_id: 1, data_content: {} }], atomic: true });
    expect(atomic).toHaveStatus(501);
    expect((await api.request('POST', '/api/v1/data/single', '{"oops"')).body.error.code).toBe('INVALID_JSON');
    expect((await api.request('GET', `/api/v1/data/${businessId}/not-a-number`)).body.error.details[0].field).toBe('id');
    expect((await api.request('PATCH', `/api/v1/data/${businessId}/1`, { data_content: {} }, { 'if-match': 'abc' })).body.error.details[0].field).toBe('If-Match');
    expect(await countRows(databases, 2, 'events')).toBe(before);
  });

  it('pages newest first with a keyset cursor that neither skips nor repeats rows under concurrent inserts', async () => {
    const businessId = businessOnShard(1);
    const initial = await api.request('POST', '/api/v1/data/batch', {
      data: Array.from({ length: 95 }, (_, i) => ({ business_id: businessId, user_id: 1 + (i % 3), data_content: { i } })),
    });
    const expected = initial.body.results.map((r: { id: string }) => r.id).sort((a: string, b: string) => (BigInt(b) > BigInt(a) ? 1 : -1));
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserts = 0;
    do {
      const qs: string = `business_id=${businessId}&page_size=10${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.request('GET', `/api/v1/data/page?${qs}`);
      expect(page).toHaveStatus(200);
      seen.push(...page.body.data.map((r: { id: string }) => r.id));
      cursor = page.body.next_cursor;
      // Newer records arriving between pages must not disturb the walk.
      await Promise.all(Array.from({ length: 3 }, () => api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: { late: true } })));
      inserts += 3;
    } while (cursor);
    expect(inserts).toBeGreaterThan(0);
    expect(seen).toEqual(expected);

    const byUser = await api.request('GET', `/api/v1/data/page?business_id=${businessId}&user_id=2&page_size=100`);
    expect(byUser.body.data.every((r: { user_id: string }) => r.user_id === '2')).toBe(true);
    expect(byUser.body.data.length).toBe(32 + 0);
    const shallow = await api.request('GET', `/api/v1/data/page?business_id=${businessId}&page_size=10&page_num=2`);
    expect(shallow.body.data.length).toBe(10);
    const deep = await api.request('GET', `/api/v1/data/page?business_id=${businessId}&page_size=100&page_num=12`);
    expect([deep.status, deep.body.error.details[0].field]).toEqual([400, 'page_num']);
    const badCursor = await api.request('GET', `/api/v1/data/page?business_id=${businessId}&cursor=zzz`);
    expect([badCursor.status, badCursor.body.error.details[0].field]).toEqual([400, 'cursor']);
  });

  it('merges a user_id page across shards newest first', async () => {
    const userId = String(1_000_000 + Math.floor(Math.random() * 1e9));
    const data = [0, 1, 2, 3, 0, 1, 2, 3].map((shard, i) => ({ business_id: businessOnShard(shard), user_id: userId, data_content: { i } }));
    const res = await api.request('POST', '/api/v1/data/batch', { data });
    const ids = res.body.results.map((r: { id: string }) => r.id).reverse();
    const first = await api.request('GET', `/api/v1/data/page?user_id=${userId}&page_size=5`);
    const second = await api.request('GET', `/api/v1/data/page?user_id=${userId}&page_size=5&cursor=${first.body.next_cursor}`);
    expect([...first.body.data, ...second.body.data].map((r: { id: string }) => r.id)).toEqual(ids);
    expect(second.body.next_cursor).toBeNull();
  });

  it('serves an OpenAPI document', async () => {
    const doc = await api.request('GET', '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/data/batch');
  });
});
