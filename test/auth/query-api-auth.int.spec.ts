import { randomBytes } from 'node:crypto';
import { ApiKeys } from '@shardline/auth';
import { MysqlApiKeyStore } from '@shardline/auth/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness } from '../support/api-harness';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

describe('API keys on the query-api: roles and business scopes on reads, search and analytics', () => {
  const tag = randomBytes(4).toString('hex');
  const acme = `acme-${tag}`;
  let dbs: TestDatabases;
  let query: ApiHarness;
  let databases: ShardDatabases;
  const tokens: Record<string, string> = {};
  const call = (who: string | null, method: string, path: string, body?: unknown) => query.request(method, path, body, who ? { authorization: `Bearer ${tokens[who]}` } : {});
  const day = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    const keys = new ApiKeys(new MysqlApiKeyStore(databases.control));
    tokens.reader = (await keys.create({ name: 'reader', roles: ['reader'] })).token;
    tokens.analyst = (await keys.create({ name: 'analyst', roles: ['analyst', 'reader'] })).token;
    tokens.acme = (await keys.create({ name: 'acme', roles: ['analyst', 'reader'], business_prefixes: [acme] })).token;
    query = await startQueryApi(dbs.config, { SHARDLINE_AUTH: 'required', SHARDLINE_CACHE_KEY_PREFIX: `t${tag}:record:` });
  });
  afterAll(async () => {
    await query?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('leaves health open, needs a key elsewhere, and the analyst role for analytics', async () => {
    expect(await call(null, 'GET', '/health/live')).toHaveStatus(200);
    expect(await call(null, 'POST', '/api/v1/data/search', { keyword: 'x' })).toHaveStatus(401);
    const analytics = await call('reader', 'GET', `/api/v1/analytics/growth?from=${day}&to=${day}`);
    expect(analytics).toHaveStatus(403);
    expect(analytics.body.error.code).toBe('AUTH.ROLE_REQUIRED');
  });

  it('refuses a scoped key what spans or leaves its businesses, and answers it like an unscoped key inside them', async () => {
    const refused = [
      await call('acme', 'POST', '/api/v1/data/search', { keyword: 'x' }),
      await call('acme', 'POST', '/api/v1/data/search', { keyword: 'x', business_id: `globex-${tag}` }),
      await call('acme', 'GET', '/api/v1/data/page?user_id=5'),
      await call('acme', 'GET', `/api/v1/data/page?business_id=globex-${tag}`),
      await call('acme', 'GET', `/api/v1/data/globex-${tag}/123`),
      await call('acme', 'GET', `/api/v1/analytics/records-per-day?from=${day}&to=${day}`),
      await call('acme', 'GET', `/api/v1/analytics/growth?from=${day}&to=${day}&business_id=globex-${tag}`),
      await call('acme', 'GET', `/api/v1/analytics/active-users?from=${day}&to=${day}`),
      await call('acme', 'GET', `/api/v1/analytics/hot-businesses?from=${day}&to=${day}`),
    ];
    for (const r of refused) {
      expect(r).toHaveStatus(403);
      expect(r.body.error.code).toBe('AUTH.OUT_OF_SCOPE');
    }
    for (const [method, path, body] of [
      ['POST', '/api/v1/data/search', { keyword: 'x', business_id: acme }],
      ['GET', `/api/v1/data/page?business_id=${acme}`, undefined],
      ['GET', `/api/v1/data/${acme}/123`, undefined],
      ['GET', `/api/v1/analytics/records-per-day?from=${day}&to=${day}&business_id=${acme}`, undefined],
      ['GET', `/api/v1/analytics/growth?from=${day}&to=${day}&business_id=${acme}`, undefined],
      ['GET', `/api/v1/analytics/active-users?from=${day}&to=${day}&business_id=${acme}`, undefined],
    ] as const) {
      const unscoped = await call('analyst', method, path, body);
      expect([401, 403]).not.toContain(unscoped.status);
      expect(await call('acme', method, path, body)).toHaveStatus(unscoped.status);
    }
    expect(await call('analyst', 'GET', `/api/v1/analytics/hot-businesses?from=${day}&to=${day}`)).not.toHaveStatus(403);
  });
});
