import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Metrics of every projection runner of a process, on the process' registry (one instance per
 * registry: prom-client refuses to register a name twice). Labels: projection name, partition.
 */
export class ProjectionMetrics {
  readonly eventsBehind: Gauge<'projection' | 'partition'>;
  readonly secondsBehind: Gauge<'projection' | 'partition'>;
  readonly applied: Counter<'projection'>;
  readonly deadLettered: Counter<'projection' | 'kind'>;
  readonly retries: Counter<'projection'>;
  readonly applySeconds: Histogram<'projection'>;
  readonly sinkApplyEvents: Histogram<'projection'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.eventsBehind = new Gauge({
      name: 'shardline_projection_events_behind',
      help: 'Messages of records.events not yet applied and committed (high watermark - committed offset)',
      labelNames: ['projection', 'partition'],
      registers,
    });
    this.secondsBehind = new Gauge({
      name: 'shardline_projection_seconds_behind',
      help: 'Now minus occurred_at of the last applied event, while the partition has events behind (0 when caught up)',
      labelNames: ['projection', 'partition'],
      registers,
    });
    this.applied = new Counter({ name: 'shardline_projection_events_applied_total', help: 'Events applied and committed', labelNames: ['projection'], registers });
    this.deadLettered = new Counter({
      name: 'shardline_projection_dead_letters_total',
      help: 'Messages sent to the dead-letter topic (kind: decode | rejected)',
      labelNames: ['projection', 'kind'],
      registers,
    });
    this.retries = new Counter({ name: 'shardline_projection_apply_retries_total', help: 'Transient failures retried with backoff', labelNames: ['projection'], registers });
    this.applySeconds = new Histogram({
      name: 'shardline_projection_apply_seconds',
      help: 'Time for one batch: apply, dead letters and offset commit',
      labelNames: ['projection'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    // The shape the read model is asked to write in: every engine is cheaper per event in larger
    // requests (ES bulk, ClickHouse part), so this is the first thing to look at when its CPU rises.
    this.sinkApplyEvents = new Histogram({
      name: 'shardline_projection_sink_apply_events',
      help: 'Events per sink apply (one Elasticsearch bulk, one ClickHouse INSERT per table), after the chunks of partitions were merged',
      labelNames: ['projection'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000],
      registers,
    });
  }
}
