import { Registry } from 'prom-client';
import { HttpRequestMetrics, UNMATCHED_ROUTE } from './http-request.metrics';

describe('HttpRequestMetrics', () => {
  it('counts a request once by route template and status, and takes it out of in-flight when it ends', async () => {
    const registry = new Registry();
    const metrics = new HttpRequestMetrics(registry);
    const end = metrics.start('POST');
    expect(await registry.metrics()).toContain('shardline_http_requests_in_flight{method="POST"} 1');
    end('/api/v1/data/single', 201);
    end('/api/v1/data/single', 201); // a second end (onResponse after close) changes nothing
    const text = await registry.metrics();
    expect(text).toContain('shardline_http_requests_in_flight{method="POST"} 0');
    expect(text).toContain('shardline_http_requests_total{method="POST",route="/api/v1/data/single",status="201"} 1');
    expect(text).toContain('shardline_http_request_duration_seconds_count{method="POST",route="/api/v1/data/single",status="201"} 1');
  });

  it('puts requests without a route in one series, and shares its metrics between two servers of a registry', async () => {
    const registry = new Registry();
    new HttpRequestMetrics(registry).start('GET')(undefined, 404);
    new HttpRequestMetrics(registry).start('GET')(undefined, 404);
    expect(await registry.metrics()).toContain(`shardline_http_requests_total{method="GET",route="${UNMATCHED_ROUTE}",status="404"} 2`);
  });
});
