import { randomBytes } from 'node:crypto';
import { ApiKeys } from '@shardline/auth';
import { MysqlApiKeyStore } from '@shardline/auth/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { ApiHarness, startApi } from '../support/api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

/** The revocation bound of this file (SHARDLINE_AUTH_CACHE_TTL_MS): short, so the test can watch it hold. */
const TTL_MS = 400;

describe('API keys on the api: 401/403, roles, business scopes, actor, admin API', () => {
  const tag = randomBytes(4).toString('hex');
  const env = { SHARDLINE_AUTH: 'required', SHARDLINE_AUTH_CACHE_TTL_MS: String(TTL_MS), SHARDLINE_SAGA_QUEUE_PREFIX: `t${tag}`, SHARDLINE_CACHE_KEY_PREFIX: `t${tag}:record:` };
  let dbs: TestDatabases;
  let api: ApiHarness;
  let databases: ShardDatabases;
  let keys: ApiKeys;
  let worker: Awaited<ReturnType<typeof startSagaWorkerApp>>;
  const tokens: Record<string, { token: string; id: string }> = {};
  const acme = `acme-${tag}`;
  const globex = `globex-${tag}`;

  const as = (who: string) => ({ authorization: `Bearer ${tokens[who].token}` });
  const call = (who: string | null, method: string, path: string, body?: unknown) => api.request(method, path, body, who ? as(who) : {});

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    keys = new ApiKeys(new MysqlApiKeyStore(databases.control));
    for (const [who, roles, prefixes] of [
      ['writer', ['writer'], null],
      ['reader', ['reader'], null],
      ['admin', ['admin'], null],
      ['all', ['writer', 'reader', 'analyst', 'admin'], null],
      ['acme', ['writer', 'reader'], [`acme-${tag}`]],
    ] as const) {
      const created = await keys.create({ name: who, roles: [...roles], business_prefixes: prefixes ? [...prefixes] : null });
      tokens[who] = { token: created.token, id: created.key_id };
    }
    api = await startApi(dbs.config, env);
    worker = await startSagaWorkerApp(
      sagaWorkerConfigFromEnv({ ...env, SHARDLINE_SAGA_OPS_PORT: '0', SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() }),
    );
    await worker.started;
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('leaves health open and answers 401 for a missing, malformed, unknown or wrong-secret key (envelope, WWW-Authenticate)', async () => {
    expect(await call(null, 'GET', '/health/live')).toHaveStatus(200);
    const missing = await call(null, 'GET', `/api/v1/data/page?business_id=${acme}`);
    expect(missing).toHaveStatus(401);
    expect(missing.body.error).toMatchObject({ code: 'AUTH.KEY_MISSING', details: [{ field: 'Authorization' }] });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    for (const authorization of ['Bearer nope', `Bearer sl_0123456789abcdef_${'A'.repeat(43)}`, `Bearer sl_${tokens.reader.id}_${'A'.repeat(43)}`]) {
      const refused = await api.request('GET', `/api/v1/data/page?business_id=${acme}`, undefined, { authorization });
      expect(refused).toHaveStatus(401);
      expect(refused.body.error.code).toBe('AUTH.KEY_INVALID');
    }
    const basic = await api.request('GET', '/admin/sagas', undefined, { authorization: 'Basic abc' });
    expect(basic).toHaveStatus(401);
    // A refused write reads no body: nothing was parsed or written.
    expect(await api.request('POST', '/api/v1/data/single', '{not json', { 'content-type': 'application/json' })).toHaveStatus(401);
  });

  it('answers 403 AUTH.ROLE_REQUIRED for a role the route does not allow', async () => {
    const write = await call('reader', 'POST', '/api/v1/data/single', { business_id: acme, user_id: 1, data_content: {} });
    expect(write).toHaveStatus(403);
    expect(write.body.error.code).toBe('AUTH.ROLE_REQUIRED');
    expect(await call('writer', 'GET', `/api/v1/data/page?business_id=${acme}`)).toHaveStatus(403);
    const metrics = (authorization: string) => fetch(`${api.url.replace('[::1]', '127.0.0.1')}/metrics`, { headers: { authorization } });
    expect((await metrics(`Bearer ${tokens.writer.token}`)).status).toBe(403);
    expect((await metrics(`Bearer ${tokens.admin.token}`)).status).toBe(200);
    expect(await call('writer', 'GET', '/admin/sagas')).toHaveStatus(403);
    expect(await call('reader', 'GET', '/admin/queues/api/queues')).toHaveStatus(403);
    expect(await call('admin', 'GET', '/admin/sagas')).toHaveStatus(200);
    expect(await call('admin', 'POST', '/api/v1/data/single', { business_id: acme, user_id: 1, data_content: {} })).toHaveStatus(403);
  });

  it('records the key id as the actor of every event it causes, saga-driven ones included', async () => {
    const created = await call('writer', 'POST', '/api/v1/data/single', { business_id: globex, user_id: 5, data_content: { n: 1 } });
    expect(created).toHaveStatus(201);
    const patched = await call('all', 'PATCH', `/api/v1/data/${globex}/${created.body.id}`, { data_content: { n: 2 } });
    expect(patched).toHaveStatus(200);
    const atomic = await call('acme', 'POST', '/api/v1/data/batch', { atomic: true, data: [0, 1, 2, 3].map((i) => ({ business_id: `${acme}-${i}`, user_id: 6, data_content: { i } })) });
    expect(atomic).toHaveStatus(201);
    // A move inside the scoped key's prefixes: the copies and the retired sources carry its id.
    const move = await call('acme', 'POST', '/api/v1/data/moves', { from_business_id: `${acme}-0`, to_business_id: `${acme}-moved` });
    expect(move).toHaveStatus(201);

    const actorsByStream = async () => {
      const actors = new Map<string, string[]>();
      for (const shard of databases.shardIndexes()) {
        const [rows] = await databases.shard(shard).raw('SELECT stream_id, JSON_VALUE(metadata, "$.actor") AS actor FROM events ORDER BY stream_version');
        for (const row of rows as Array<{ stream_id: string; actor: string }>) actors.set(row.stream_id, [...(actors.get(row.stream_id) ?? []), row.actor]);
      }
      return actors;
    };
    const [{ from_id, to_id }] = move.body.moved;
    // The move answers at its commit point; its release step retires the sources just after.
    const actors = await waitFor('the moved source retired', async () => {
      const now = await actorsByStream();
      return (now.get(`record-${from_id}`)?.length ?? 0) >= 2 && now;
    });
    expect(actors.get(`record-${created.body.id}`)).toEqual([tokens.writer.id, tokens.all.id]);
    for (const r of atomic.body.results.slice(1)) expect(actors.get(`record-${r.id}`)).toEqual([tokens.acme.id]);
    expect(actors.get(`record-${from_id}`)).toEqual([tokens.acme.id, tokens.acme.id]); // created, then moved out
    expect(actors.get(`record-${to_id}`)).toEqual([tokens.acme.id]); // moved in
  });

  it('keeps a scoped key inside its business prefixes on every write and read path (403 AUTH.OUT_OF_SCOPE)', async () => {
    const mine = await call('acme', 'POST', '/api/v1/data/single', { business_id: acme, user_id: 77, data_content: {} });
    expect(mine).toHaveStatus(201);
    const theirs = await call('writer', 'POST', '/api/v1/data/single', { business_id: globex, user_id: 77, data_content: {} });
    const refusals = [
      await call('acme', 'POST', '/api/v1/data/single', { business_id: globex, user_id: 77, data_content: {} }),
      await call('acme', 'POST', '/api/v1/data/batch', { data: [{ business_id: acme, user_id: 1, data_content: {} }, { business_id: globex, user_id: 1, data_content: {} }] }),
      await call('acme', 'POST', '/api/v1/data/batch', { atomic: true, data: [{ business_id: acme, user_id: 1, data_content: {} }, { business_id: globex, user_id: 1, data_content: {} }] }),
      await call('acme', 'PATCH', `/api/v1/data/${globex}/${theirs.body.id}`, { data_content: { x: 1 } }),
      await call('acme', 'DELETE', `/api/v1/data/${globex}/${theirs.body.id}`),
      await call('acme', 'GET', `/api/v1/data/${globex}/${theirs.body.id}`),
      await call('acme', 'GET', `/api/v1/data/page?business_id=${globex}`),
      await call('acme', 'GET', '/api/v1/data/page?user_id=77'),
      await call('acme', 'POST', '/api/v1/data/moves', { from_business_id: acme, to_business_id: globex }),
      await call('acme', 'POST', '/api/v1/data/moves', { from_business_id: globex, to_business_id: acme }),
      await call('acme', 'POST', '/api/v1/users/77/erasure'),
    ];
    for (const refused of refusals) {
      expect(refused).toHaveStatus(403);
      expect(refused.body.error.code).toBe('AUTH.OUT_OF_SCOPE');
    }
    expect(refusals[1].body.error.details).toEqual([expect.objectContaining({ field: 'data[1].business_id' })]);
    // Nothing of the refused batch was written: the only acme rows are the single create and the atomic batch's.
    const page = await call('acme', 'GET', `/api/v1/data/page?business_id=${acme}`);
    expect(page).toHaveStatus(200);
    expect(page.body.data.map((r: { id: string }) => r.id)).toEqual([mine.body.id]);
    expect(await call('reader', 'GET', `/api/v1/data/${globex}/${theirs.body.id}`)).toHaveStatus(200);
    expect(await call('acme', 'GET', `/api/v1/data/${acme}/${mine.body.id}`)).toHaveStatus(200);
  });

  it('lets a scoped key see only the sagas it started', async () => {
    const own = await call('acme', 'POST', '/api/v1/data/batch', { atomic: true, data: [{ business_id: acme, user_id: 3, data_content: {} }] });
    const other = await api.request('POST', '/api/v1/data/batch', { atomic: true, data: [{ business_id: globex, user_id: 3, data_content: {} }] }, { ...as('writer'), prefer: 'respond-async' });
    expect(other).toHaveStatus(202);
    const ownSaga = await api.request('POST', '/api/v1/data/batch', { atomic: true, data: [{ business_id: acme, user_id: 4, data_content: {} }] }, { ...as('acme'), prefer: 'respond-async' });
    expect(own).toHaveStatus(201);
    expect(await call('acme', 'GET', ownSaga.body.status_url)).toHaveStatus(200);
    const refused = await call('acme', 'GET', other.body.status_url);
    expect(refused).toHaveStatus(403);
    expect(await call('reader', 'GET', other.body.status_url)).toHaveStatus(200);
  });

  it('creates, lists and revokes keys through /admin/keys; a revoked key is refused within the cache bound', async () => {
    const bad = await call('admin', 'POST', '/admin/keys', { name: 'x', roles: ['root'] });
    expect(bad).toHaveStatus(400);
    expect(bad.body.error.details[0].field).toBe('roles[0]');
    expect(await call('writer', 'POST', '/admin/keys', { name: 'x', roles: ['reader'] })).toHaveStatus(403);

    const created = await call('admin', 'POST', '/admin/keys', { name: 'temp', roles: ['reader'], business_prefixes: ['acme-'] });
    expect(created).toHaveStatus(201);
    expect(created.body).toMatchObject({ name: 'temp', roles: ['reader'], business_prefixes: ['acme-'], revoked_at: null });
    const listed = await call('admin', 'GET', '/admin/keys');
    expect(listed).toHaveStatus(200);
    const entry = listed.body.data.find((k: { key_id: string }) => k.key_id === created.body.key_id);
    expect(entry).toEqual({ key_id: created.body.key_id, name: 'temp', roles: ['reader'], business_prefixes: ['acme-'], created_at: expect.any(String), revoked_at: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token.slice(20));

    const headers = { authorization: `Bearer ${created.body.token}` };
    expect(await api.request('GET', `/api/v1/data/page?business_id=${acme}`, undefined, headers)).toHaveStatus(200);
    const revoked = await call('admin', 'POST', `/admin/keys/${created.body.key_id}/revoke`);
    expect(revoked).toHaveStatus(200);
    const revokedAt = Date.now();
    await waitFor('the revoked key refused', async () => (await api.request('GET', `/api/v1/data/page?business_id=${acme}`, undefined, headers)).status === 401, { timeoutMs: 5000, intervalMs: 25 });
    expect(Date.now() - revokedAt).toBeLessThan(TTL_MS + 500);
    const refused = await api.request('GET', `/api/v1/data/page?business_id=${acme}`, undefined, headers);
    expect(refused.body.error.code).toBe('AUTH.KEY_REVOKED');
    expect(await call('admin', 'POST', '/admin/keys/0123456789abcdef/revoke')).toHaveStatus(404);
  });
});
