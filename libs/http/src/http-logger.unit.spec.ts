import Fastify from 'fastify';
import { Writable } from 'node:stream';
import pinoHttp from 'pino-http';
import { pinoHttpOptions } from './http-logger.module';

/** pino-http with the apps' options in front of a Fastify app, its lines collected. */
async function appLogging(access: 'errors' | 'all') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = pinoHttp(pinoHttpOptions({ level: 'info', access }), stream);
  const fastify = Fastify();
  fastify.addHook('onRequest', (request, reply, done) => logger(request.raw, reply.raw, () => done()));
  fastify.post('/refused', async (_request, reply) => reply.code(401).send({ error: 'no' }));
  fastify.post('/ok', async () => ({ ok: true }));
  await fastify.ready();
  return { fastify, lines };
}

describe('access lines', () => {
  it('name the request (id, method, URL) without its headers: an Authorization key never reaches the log', async () => {
    const { fastify, lines } = await appLogging('errors');
    const res = await fastify.inject({ method: 'POST', url: '/refused', headers: { authorization: 'Bearer sl_key_secret', 'x-correlation-id': 'c-1' }, payload: {} });
    expect(res.statusCode).toBe(401);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, req: { id: 'c-1', method: 'POST', url: '/refused' }, res: { statusCode: 401 } });
    expect(JSON.stringify(lines[0])).not.toContain('sl_key_secret');
    expect(lines[0].req).not.toHaveProperty('headers');
    await fastify.close();
  });

  it('are written for 4xx/5xx only by default, for every request with access=all', async () => {
    const errorsOnly = await appLogging('errors');
    await errorsOnly.fastify.inject({ method: 'POST', url: '/ok', payload: {} });
    expect(errorsOnly.lines).toEqual([]);
    await errorsOnly.fastify.close();

    const all = await appLogging('all');
    await all.fastify.inject({ method: 'POST', url: '/ok', payload: {} });
    expect(all.lines).toHaveLength(1);
    expect(all.lines[0]).toMatchObject({ level: 30, req: { method: 'POST', url: '/ok' }, res: { statusCode: 200 } });
    await all.fastify.close();
  });
});
