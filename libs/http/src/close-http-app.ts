import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ShardlineError } from '@shardline/errors';
import { toErrorResponse } from './error-envelope.filter';

/** How often connections that became idle during the drain are closed. */
const IDLE_SWEEP_MS = 100;

/** A request that arrived while the instance closes: nothing was read or written. */
class ServerShuttingDownError extends ShardlineError {
  readonly code = 'SERVER.SHUTTING_DOWN';
  readonly kind = 'unavailable';
  constructor(retryAfterSeconds: number) {
    super(`this instance is shutting down; nothing was read or written, retry after ${retryAfterSeconds} s (with the same Idempotency-Key)`);
  }
}

/** Fastify instances whose app is being closed by closeHttpApp. */
const closing = new WeakSet<FastifyInstance>();

/**
 * Requests that arrive on an open keep-alive connection while the app is closing are refused at
 * once, before anything is read or written, with the error envelope every other answer uses
 * (Fastify's built-in closing answer has its own body shape, so the app is built with
 * `return503OnClosing: false` and this hook answers instead), and `Connection: close` so the
 * client reconnects — to another instance behind the load balancer.
 */
export function refuseRequestsWhileClosing(fastify: FastifyInstance, retryAfterSeconds: number): void {
  fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (!closing.has(fastify)) return done();
    const { status, body } = toErrorResponse(new ServerShuttingDownError(retryAfterSeconds));
    void reply.code(status).header('retry-after', String(retryAfterSeconds)).header('connection', 'close').send(body);
  });
}

/** From now on refuseRequestsWhileClosing answers this instance's requests with 503. */
export function beginRefusingRequests(fastify: FastifyInstance): void {
  closing.add(fastify);
}

/**
 * Graceful stop of an HTTP app: the listener closes first (new requests are refused, in-flight
 * requests finish), and only then Nest's destroy hooks drain the group commits and close the
 * pools. Nest's own close() runs the destroy hooks before it stops the HTTP server, so requests
 * arriving meanwhile would meet closed pools.
 *
 * Closing the listener alone is not enough: a keep-alive connection that was busy when the close
 * began goes idle after its answer and would hold the close for Fastify's 72 s keepAliveTimeout.
 * Idle connections are swept until the server is closed.
 */
export async function closeHttpApp(app: INestApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  beginRefusingRequests(app.getHttpAdapter().getInstance() as FastifyInstance);
  const sweep = setInterval(() => server.closeIdleConnections?.(), IDLE_SWEEP_MS);
  try {
    await app.getHttpAdapter().close();
  } finally {
    clearInterval(sweep);
  }
  await app.close();
}
