import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** How often connections that became idle during the drain are closed. */
const IDLE_SWEEP_MS = 100;

/**
 * Graceful stop of an HTTP app: the listener closes first (new requests get 503 and
 * `Connection: close`, in-flight requests finish), and only then Nest's destroy hooks drain the
 * group commits and close the pools. Nest's own close() runs the destroy hooks before it stops
 * the HTTP server, so requests arriving meanwhile would meet closed pools.
 *
 * Closing the listener alone is not enough: a keep-alive connection that was busy when the close
 * began goes idle after its answer and would hold the close for Fastify's 72 s keepAliveTimeout.
 * Idle connections are swept until the server is closed.
 */
export async function closeHttpApp(app: INestApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  const sweep = setInterval(() => server.closeIdleConnections?.(), IDLE_SWEEP_MS);
  try {
    await app.getHttpAdapter().close();
  } finally {
    clearInterval(sweep);
  }
  await app.close();
}
