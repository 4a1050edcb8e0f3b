import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

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

/**
 * The metric `name` of `registry`, created by `create` the first time: for metrics that several
 * components of one process share (two HTTP servers, one event store per module), where a second
 * `new Counter(...)` would throw "already registered".
 */
export function sharedMetric<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
