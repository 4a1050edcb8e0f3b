import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

/**
 * How often the event-loop lag is sampled (ms): prom-client's default of 10 wakes every process
 * 100 times a second, +4 ms of CPU per second in an idle process against +1 at 100
 * (`scripts/with-node tsx bench/pipeline/event-loop-monitor-idle.ts`, bench/pipeline/README.md).
 * Ten samples a second still catch every stall (a blocked loop delays the next sample) and give
 * the dashboards' p99 150 samples per 15 s scrape.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * One Prometheus registry per process, labelled with the app's name, with Node's default
 * process metrics (event-loop lag, heap, GC). Libraries register their own counters and gauges
 * on the registry they are given instead of prom-client's global one, so tests can run several
 * relays or projectors in one process without "metric already registered" clashes.
 */
export function createMetricsRegistry(app: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
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
