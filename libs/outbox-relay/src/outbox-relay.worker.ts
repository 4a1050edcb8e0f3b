import type { Registry } from 'prom-client';
import type { Worker } from '@shardline/worker';
import type { EventPublisher, OutboxSource, RelayLog, ShardLease } from './outbox-relay.ports';
import { RelayMetrics } from './relay.metrics';
import { DEFAULT_SHARD_RELAY_OPTIONS, ShardRelay, type ShardRelayOptions, type ShardRelayStatus } from './shard-relay.runner';

export interface RelayedShard {
  source: OutboxSource;
  lease: ShardLease;
}

/**
 * The relay of one process: an independent loop per shard (a slow or unreachable shard never
 * holds up the others), all publishing through one publisher. Start any number of processes on
 * the same shards: each shard is relayed by whichever process holds its lease. A Worker: apps run
 * it through WorkerLifecycle (prepare the topic until the broker answers, then start the loops).
 */
export class OutboxRelay implements Worker {
  readonly name = 'relay';
  private readonly relays: ShardRelay[] = [];
  private readonly shards: RelayedShard[] = [];
  private readonly metrics: RelayMetrics;
  private readonly options: ShardRelayOptions;
  private started = false;

  constructor(
    shards: RelayedShard[],
    private readonly publisher: EventPublisher,
    registry: Registry,
    options: Partial<ShardRelayOptions> = {},
    private readonly log: RelayLog = () => {},
  ) {
    this.metrics = new RelayMetrics(registry);
    this.options = { ...DEFAULT_SHARD_RELAY_OPTIONS, ...options };
    for (const shard of shards) this.addShard(shard);
  }

  /** A shard registered while the process runs (docs/adr/0008): its loop starts at once if the relay runs. */
  addShard(shard: RelayedShard): void {
    const relay = new ShardRelay(shard.source, shard.lease, this.publisher, this.metrics, this.options, this.log);
    this.shards.push(shard);
    this.relays.push(relay);
    if (this.started) relay.start();
  }

  /** The shards this relay tails. */
  get shardIndexes(): number[] {
    return this.shards.map((s) => s.source.shard);
  }

  /** The topic must exist with its partition count before the first publish. */
  async prepare(): Promise<void> {
    await this.publisher.prepare();
  }

  start(): void {
    this.started = true;
    for (const relay of this.relays) relay.start();
  }

  /**
   * Graceful stop: every shard loop stops polling, finishes its in-flight publish and delete,
   * and releases its lease (a standby takes over within its lease retry interval). The publisher
   * is left open: its owner closes it after this resolves.
   */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(this.relays.map((relay) => relay.stop()));
  }

  status(): ShardRelayStatus[] {
    return this.relays.map((relay) => relay.status());
  }

  async isReady(): Promise<boolean> {
    return (await this.readiness()).ready;
  }

  /** Readiness: does the broker answer, and does every shard? */
  async readiness(): Promise<{ ready: boolean; kafka: boolean; shards: Array<{ shard: number; ok: boolean }> }> {
    const [kafka, ...shards] = await Promise.all([
      this.publisher.ping(),
      ...this.shards.map(async ({ source }) => ({ shard: source.shard, ok: await source.ping() })),
    ]);
    const shardList = shards as Array<{ shard: number; ok: boolean }>;
    return { ready: (kafka as boolean) && shardList.every((s) => s.ok), kafka: kafka as boolean, shards: shardList };
  }
}
