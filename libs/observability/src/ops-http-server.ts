import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { HttpRequestMetrics } from './http-request.metrics';

/** A JSON route of a worker's operations port (`/health/ready`, `/admin/lag`, ...). */
export type OpsRoute = () => Promise<{ status: number; body: unknown }>;

export interface OpsHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The operations port of a worker process (relay, projector) that serves no API of its own:
 * GET /metrics (Prometheus text), GET /health/live, and the JSON routes the worker adds.
 * Plain node:http keeps it out of the way of the worker's own event loop work; port 0 picks a
 * free port (tests).
 */
export async function startOpsHttpServer(
  registry: Registry,
  options: { host: string; port: number; routes?: Record<string, OpsRoute> },
): Promise<OpsHttpServer> {
  const routes: Record<string, OpsRoute> = {
    '/health/live': async () => ({ status: 200, body: { status: 'ok' } }),
    ...options.routes,
  };
  const metrics = new HttpRequestMetrics(registry);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const end = metrics.start(req.method ?? 'GET');
    const path = (req.url ?? '/').split('?')[0];
    // The route label is the path only for the routes this server has: anything else is one "unmatched" series.
    res.once('close', () => end(path === '/metrics' || routes[path] ? path : undefined, res.writableFinished ? res.statusCode : 499));
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET') return send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'only GET' } });
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': registry.contentType });
        return res.end(await registry.metrics());
      }
      const route = routes[path];
      if (!route) return send(res, 404, { error: { code: 'ROUTE_NOT_FOUND', message: `no route ${path}` } });
      const { status, body } = await route();
      send(res, status, body);
    } catch (error) {
      send(res, 500, { error: { code: 'INTERNAL', message: (error as Error).message } });
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
