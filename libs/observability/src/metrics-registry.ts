import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One Prometheus registry per process, labelled with the app's name, with Node's default
 * process metrics (event-loop lag, heap, GC). Libraries register their own counters and gauges
 * on the registry they are given instead of prom-client's global one, so tests can run several
 * relays or projectors in one process without "metric already registered" clashes.
 */
export function createMetricsRegistry(app: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

export const METRICS_REGISTRY = Symbol('MetricsRegistry');
