import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { HttpRequestMetrics } from '@shardline/observability';

const ENDS = Symbol('shardline.requestMetricsEnd');
type Measured = FastifyRequest & { [ENDS]?: (route: string | undefined, status: number) => void };

/** Status recorded for a request whose client went away before any response was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Request rate, errors, duration and in-flight count of a Fastify app (see HttpRequestMetrics),
 * labelled by route template. Register it BEFORE the hooks that may answer early (load shedding,
 * shutdown refusal): hooks run in registration order, and their 503s must be counted too.
 */
export function measureRequests(fastify: FastifyInstance, registry: Registry): void {
  const metrics = new HttpRequestMetrics(registry);
  fastify.addHook('onRequest', (request: Measured, reply: FastifyReply, done: () => void) => {
    const end = metrics.start(request.method);
    request[ENDS] = end;
    // onResponse does not run when the client aborts first; the series must still leave in-flight.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) end(routeOf(request), CLIENT_CLOSED_REQUEST);
    });
    done();
  });
  fastify.addHook('onResponse', (request: Measured, reply: FastifyReply, done: () => void) => {
    request[ENDS]?.(routeOf(request), reply.statusCode);
    done();
  });
}

function routeOf(request: FastifyRequest): string | undefined {
  // Fastify's 404 handler has a route config but no url: it stays "unmatched".
  return request.routeOptions?.url || undefined;
}
