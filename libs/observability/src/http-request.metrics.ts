import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { sharedMetric } from './metrics-registry';

/** Label of requests that matched no route (404s, scanners): one series, not one per path tried. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Request metrics of whatever HTTP server a process runs (the api's and query-api's Fastify, a
 * worker's ops port), on the process registry. `route` is the route TEMPLATE
 * (`/api/v1/records/:business_id/:id`), never the path, so ids do not explode the series count.
 * Errors are `shardline_http_requests_total{status=~"5.."}`; rate and ratios come from PromQL.
 */
export class HttpRequestMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly inFlight: Gauge<'method'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = sharedMetric(registry, 'shardline_http_requests_total', () => new Counter({ name: 'shardline_http_requests_total', help: 'HTTP requests answered, by method, route template and status', labelNames: ['method', 'route', 'status'], registers }));
    this.duration = sharedMetric(registry, 'shardline_http_request_duration_seconds', () => new Histogram({
      name: 'shardline_http_request_duration_seconds',
      help: 'Time from the request arriving to the response being sent, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }));
    this.inFlight = sharedMetric(registry, 'shardline_http_requests_in_flight', () => new Gauge({ name: 'shardline_http_requests_in_flight', help: 'HTTP requests received and not yet answered', labelNames: ['method'], registers }));
    // Present from the start, so dashboards and alerts see 0 rather than no series before the first request.
    this.inFlight.inc({ method: 'GET' }, 0);
  }

  /** Call when a request arrives; call the returned function once when its response is sent (or the connection dropped). */
  start(method: string): (route: string | undefined, status: number) => void {
    this.inFlight.inc({ method });
    const startedAt = process.hrtime.bigint();
    let ended = false;
    return (route, status) => {
      if (ended) return;
      ended = true;
      this.inFlight.dec({ method });
      const labels = { method, route: route ?? UNMATCHED_ROUTE, status: String(status) };
      this.requests.inc(labels);
      this.duration.observe(labels, Number(process.hrtime.bigint() - startedAt) / 1e9);
    };
  }
}
