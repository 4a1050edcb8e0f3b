import * as promClient from 'prom-client';
import { createMetricsRegistry } from './metrics-registry';

jest.mock('prom-client', () => {
  const actual = jest.requireActual<typeof import('prom-client')>('prom-client');
  return { ...actual, collectDefaultMetrics: jest.fn(actual.collectDefaultMetrics) };
});

describe('createMetricsRegistry', () => {
  it('labels every series with the app and carries Node’s default metrics, the event-loop lag sampled every 100 ms (not every 10)', async () => {
    const registry = createMetricsRegistry('relay');
    expect(promClient.collectDefaultMetrics).toHaveBeenCalledWith({ register: registry, eventLoopMonitoringPrecision: 100 });
    const text = await registry.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{app="relay"\} /m);
    expect(text).toMatch(/^process_cpu_user_seconds_total\{app="relay"\} /m);
  });

  it('leaves the default metrics out when asked (tests running several apps in one process)', async () => {
    expect(await createMetricsRegistry('projector', { defaultMetrics: false }).metrics()).not.toContain('nodejs_');
  });
});
