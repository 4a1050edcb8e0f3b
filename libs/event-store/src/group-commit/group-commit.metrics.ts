import { Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Group commit on the process registry: how many appends each transaction carried (1 = no
 * coalescing happened; the batch API's appends are not grouped and not counted) and how many wait
 * or are in flight per shard. Pass it to the event store (MysqlEventStoreOptions.metrics).
 */
export class GroupCommitMetrics {
  private readonly size: Histogram<'shard'>;
  private readonly pendingOf = new Map<string, () => number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.size = new Histogram({
      name: 'shardline_group_commit_size',
      help: 'Appends written by one group-commit transaction, per shard',
      labelNames: ['shard'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    const pendingOf = this.pendingOf;
    new Gauge({
      name: 'shardline_group_commit_pending',
      help: 'Appends queued or in flight in the group committer, per shard',
      labelNames: ['shard'],
      registers,
      collect() {
        for (const [shard, pending] of pendingOf) this.set({ shard }, pending());
      },
    });
  }

  /** A committer of `shard` exists; `pending` reads its queue at scrape time. */
  watch(shard: number, pending: () => number): void {
    this.pendingOf.set(String(shard), pending);
  }

  grouped(shard: number, appends: number): void {
    this.size.observe({ shard: String(shard) }, appends);
  }
}
