import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The relay's Prometheus metrics, on the process registry it is given (never the global one).
 * published/s is `rate(shardline_relay_published_events_total[1m])`.
 */
export class RelayMetrics {
  readonly backlogRows: Gauge<'shard'>;
  readonly backlogAgeSeconds: Gauge<'shard'>;
  readonly published: Counter<'shard'>;
  readonly publishErrors: Counter<'shard'>;
  readonly sourceErrors: Counter<'shard'>;
  readonly leader: Gauge<'shard'>;
  readonly batchSeconds: Histogram<'shard'>;
  readonly heldSlots: Gauge<'shard'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.backlogRows = new Gauge({
      name: 'shardline_relay_outbox_backlog_rows',
      help: 'Outbox rows waiting to be published (exact up to the counting cap, then max(id)-min(id)+1)',
      labelNames: ['shard'],
      registers,
    });
    this.backlogAgeSeconds = new Gauge({
      name: 'shardline_relay_outbox_backlog_age_seconds',
      help: 'Age of the oldest outbox row waiting to be published (0 when empty)',
      labelNames: ['shard'],
      registers,
    });
    this.published = new Counter({
      name: 'shardline_relay_published_events_total',
      help: 'Events published to Kafka and acknowledged by the broker',
      labelNames: ['shard'],
      registers,
    });
    this.publishErrors = new Counter({
      name: 'shardline_relay_publish_errors_total',
      help: 'Failed publish attempts (rows kept and retried with backoff)',
      labelNames: ['shard'],
      registers,
    });
    this.sourceErrors = new Counter({
      name: 'shardline_relay_outbox_errors_total',
      help: 'Failed outbox reads or deletes (shard unreachable)',
      labelNames: ['shard'],
      registers,
    });
    this.leader = new Gauge({
      name: 'shardline_relay_leader',
      help: '1 when this process holds the shard lease and relays the shard, 0 on standby',
      labelNames: ['shard'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'shardline_relay_publish_batch_seconds',
      help: 'Time to publish one batch until the broker acknowledged it',
      labelNames: ['shard'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.heldSlots = new Gauge({
      name: 'shardline_relay_held_slots',
      help: 'Slots whose outbox rows the relay holds back until a slot move hands them off (owned_slots.publish_hold; 0 normally)',
      labelNames: ['shard'],
      registers,
    });
  }
}
