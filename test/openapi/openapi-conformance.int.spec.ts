import { ApiHarness, ApiResponse, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { OpenApiConformance } from '../support/openapi-conformance';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * The api's document matches what it answers: real answers (successes and refusals) of every
 * records route are checked against the schema documented for their status, fetched from the
 * running app's /api/v1/openapi.json.
 */
describe('the api answers as its OpenAPI document says', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let conformance: OpenApiConformance;
  const business = businessOnShard(1);

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    api = await startApi(dbs.config, { SHARDLINE_SAGAS_ENABLED: 'false' });
    conformance = new OpenApiConformance((await api.request('GET', '/api/v1/openapi.json')).body);
  });
  afterAll(async () => {
    await api?.close();
    await dbs?.drop();
  });

  const call = async (method: string, path: string, status: number, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const response = await api.request(method, path, body, headers);
    expectStatus(response, status);
    expect(conformance.problems(method, path, response.status, response.body)).toEqual([]);
    return response;
  };

  it('successes and refusals of the records routes match their documented schemas', async () => {
    const created = await call('POST', '/api/v1/data/single', 201, { business_id: business, user_id: 7, data_content: { a: 1 } });
    const path = `/api/v1/data/${business}/${created.body.id}`;
    await call('GET', path, 200);
    await call('GET', `/api/v1/data/page?business_id=${business}&page_size=5`, 200);
    await call('PATCH', path, 200, { data_content: { b: 2 } }, { 'if-match': '"1"' });
    await call('PATCH', path, 409, { data_content: { b: 3 } }, { 'if-match': '"1"' });
    await call('POST', '/api/v1/data/batch', 201, { data: [{ business_id: business, user_id: '8', data_content: {} }] });
    await call('POST', '/api/v1/data/batch', 501, { data: [{ business_id: business, user_id: '8', data_content: {} }], atomic: true });
    await call('POST', '/api/v1/data/single', 400, { business_id: '', user_id: 0, data_content: [] });
    await call('POST', '/api/v1/data/single', 415, 'x', { 'content-type': 'text/plain' });
    await call('POST', '/api/v1/data/single', 400, '{', {});
    await call('GET', `/api/v1/data/${business}/1`, 404);
    await call('GET', '/api/v1/data/page?page_size=1000', 400);
    await call('DELETE', path, 200);
    await call('DELETE', path, 404);
  });

  it('the admin key routes answer as documented', async () => {
    const created = await call('POST', '/admin/keys', 201, { name: 'conformance', roles: ['reader'], business_prefixes: ['acme-'] });
    await call('POST', '/admin/keys', 400, { name: 'x', roles: ['root'] });
    await call('GET', '/admin/keys', 200);
    await call('POST', `/admin/keys/${created.body.key_id}/revoke`, 200);
    await call('POST', '/admin/keys/0000000000000000/revoke', 404);
    await call('POST', '/admin/keys/nope/revoke', 400);
  });

  it('the checker itself refuses an undocumented status and a body off its schema', () => {
    expect(conformance.problems('GET', '/api/v1/data/page', 418, {})).toEqual([expect.stringContaining('status 418 is not documented')]);
    expect(conformance.problems('GET', `/api/v1/data/${business}/1`, 200, { id: 1 })).toEqual([expect.stringContaining('must have required property')]);
  });
});
