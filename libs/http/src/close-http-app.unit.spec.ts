import Fastify from 'fastify';
import { beginRefusingRequests, refuseRequestsWhileClosing } from './close-http-app';

describe('requests that arrive while the app is closing', () => {
  it('are served until the close begins, then refused with 503 SERVER.SHUTTING_DOWN in the error envelope, Retry-After and Connection: close, without reaching the handler', async () => {
    const fastify = Fastify({ return503OnClosing: false });
    let handled = 0;
    fastify.post('/write', async () => ({ handled: ++handled }));
    refuseRequestsWhileClosing(fastify, 2);
    await fastify.ready();

    const before = await fastify.inject({ method: 'POST', url: '/write', payload: { a: 1 } });
    expect(before.statusCode).toBe(200);

    beginRefusingRequests(fastify);
    const during = await fastify.inject({ method: 'POST', url: '/write', payload: { a: 1 } });
    expect({ status: during.statusCode, body: during.json() }).toEqual({
      status: 503,
      body: { error: { code: 'SERVER.SHUTTING_DOWN', message: expect.stringContaining('retry after 2 s'), details: [] } },
    });
    expect(during.headers['retry-after']).toBe('2');
    expect(during.headers.connection).toBe('close');
    expect(handled).toBe(1);
    await fastify.close();
  });
});
