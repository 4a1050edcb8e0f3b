import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/** The operators' side of the saga runtime on the api: the admin routes and Bull Board. */
describe('saga admin routes and Bull Board', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    api = await startApi(dbs.config, { SHARDLINE_ATOMIC_BATCH_WAIT_MS: '0' });
  });
  afterAll(async () => {
    await api?.close();
    await dbs?.drop();
  });

  it('lists sagas by status and type, pages, inspects one; refuses what does not apply with the reason', async () => {
    const started: string[] = [];
    for (let i = 0; i < 3; i++) {
      const accepted = await api.request('POST', '/api/v1/data/batch', { atomic: true, data: [{ business_id: `admin-${i}`, user_id: 1, data_content: {} }] }, { prefer: 'respond-async' });
      expectStatus(accepted, 202);
      started.push(accepted.body.saga_id);
    }
    const page = await api.request('GET', '/admin/sagas?status=running&type=atomic-batch&limit=2');
    expectStatus(page, 200);
    expect(page.body.data.map((s: { id: string }) => s.id)).toEqual([started[2], started[1]]);
    const next = await api.request('GET', `/admin/sagas?status=running&type=atomic-batch&limit=2&before=${page.body.next_before}`);
    expect(next.body).toMatchObject({ data: [{ id: started[0], status: 'running', cursor: 0 }], next_before: null });

    const inspected = await api.request('GET', `/admin/sagas/${started[0]}`);
    expectStatus(inspected, 200);
    expect(inspected.body).toMatchObject({ id: started[0], type: 'atomic-batch', input: { records: 1 }, steps: [], failures: [] });

    const retry = await api.request('POST', `/admin/sagas/${started[0]}/retry`);
    expectStatus(retry, 409);
    expect(retry.body.error.code).toBe('SAGA.ILLEGAL_STATE');
    expectStatus(await api.request('GET', '/admin/sagas/no-such-saga'), 404);
    const bad = await api.request('GET', '/admin/sagas?status=sleeping');
    expectStatus(bad, 400);
    expect(bad.body.error.details[0].field).toBe('status');
  });

  it('pauses and resumes a saga; a pause or resume that does not apply is 409 naming the state', async () => {
    const accepted = await api.request('POST', '/api/v1/data/batch', { atomic: true, data: [{ business_id: 'admin-pause', user_id: 1, data_content: {} }] }, { prefer: 'respond-async' });
    expectStatus(accepted, 202);
    const id = accepted.body.saga_id;
    const paused = await api.request('POST', `/admin/sagas/${id}/pause`);
    expectStatus(paused, 200);
    expect(paused.body).toMatchObject({ id, status: 'paused', pausedFrom: 'running' });
    const listed = await api.request('GET', '/admin/sagas?status=paused&type=atomic-batch');
    expectStatus(listed, 200);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(id);
    const again = await api.request('POST', `/admin/sagas/${id}/pause`);
    expectStatus(again, 409);
    expect(again.body.error).toMatchObject({ code: 'SAGA.ILLEGAL_STATE', message: expect.stringContaining('(it is paused)') });
    const client = await api.request('GET', `/api/v1/sagas/${id}`);
    expectStatus(client, 200);
    expect(client.body).toMatchObject({ status: 'paused', error: null });

    const resumed = await api.request('POST', `/admin/sagas/${id}/resume`);
    expectStatus(resumed, 200);
    expect(resumed.body).toMatchObject({ id, status: 'running', pausedFrom: null });
    const twice = await api.request('POST', `/admin/sagas/${id}/resume`);
    expectStatus(twice, 409);
    expect(twice.body.error).toMatchObject({ code: 'SAGA.ILLEGAL_STATE', message: expect.stringContaining('(it is running)') });
    expectStatus(await api.request('POST', '/admin/sagas/no-such-saga/pause'), 404);
  });

  it('serves Bull Board for the saga queue', async () => {
    const board = await fetch(`${api.url.replace('[::1]', '127.0.0.1')}/admin/queues`);
    expect(board).toHaveStatus(200);
    expect(await board.text()).toMatch(/<html/i);
    const queues = await fetch(`${api.url.replace('[::1]', '127.0.0.1')}/admin/queues/api/queues`);
    expect(queues).toHaveStatus(200);
    expect(JSON.stringify(await queues.json())).toContain('sagas');
  });
});
