import { Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Group commit on the process registry: how many appends each transaction carried (1 = no
 * coalescing happened; the batch API's appends are not grouped and not counted) and how many wait
 * for a group slot per shard. Pass it to the event store (MysqlEventStoreOptions.metrics).
 */
export class GroupCommitMetrics {
  private readonly size: Histogram<'shard'>;
  private readonly queuedOf = new Map<string, () => number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.size = new Histogram({
      name: 'shardline_group_commit_size',
      help: 'Appends written by one group-commit transaction, per shard',
      labelNames: ['shard'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    const queuedOf = this.queuedOf;
    new Gauge({
      name: 'shardline_group_commit_queued',
      help: 'Appends waiting for a group-commit slot (every slot busy, or the window still open), per shard',
      labelNames: ['shard'],
      registers,
      collect() {
        for (const [shard, queued] of queuedOf) this.set({ shard }, queued());
      },
    });
  }

  /** A committer of `shard` exists; `queued` reads its queue at scrape time. */
  watch(shard: number, queued: () => number): void {
    this.queuedOf.set(String(shard), queued);
  }

  grouped(shard: number, appends: number): void {
    this.size.observe({ shard: String(shard) }, appends);
  }
}
