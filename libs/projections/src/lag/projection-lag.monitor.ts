import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionMetrics } from '../projection.metrics';
import { summarizeLag, type PartitionLag, type ProjectionLag } from './projection-lag';
import type { TopicOffsetsPort } from './topic-offsets.port';

export interface LagSubject {
  projection: string;
  groupId: string;
  topic: string;
}

/**
 * Lag of one projection's consumer group, served as GET /admin/lag and kept in the gauges:
 * events behind = high watermark − the GROUP's committed offset (from the broker, whichever process
 * owns the partition); seconds behind = now − occurred_at of the newest event THIS process applied,
 * while the partition has events behind (0 when caught up, null when nothing was applied here yet).
 */
export class ProjectionLagMonitor {
  private readonly lastAppliedAt = new Map<number, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly subject: LagSubject,
    private readonly offsets: TopicOffsetsPort,
    private readonly metrics?: ProjectionMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** A chunk of the partition was applied and committed. */
  applied(partition: number, events: readonly RecordEventEnvelope[]): void {
    const newest = events.reduce((max, e) => Math.max(max, Date.parse(e.occurred_at)), -Infinity);
    if (Number.isFinite(newest)) this.lastAppliedAt.set(partition, Math.max(newest, this.lastAppliedAt.get(partition) ?? -Infinity));
  }

  /** After a batch: refreshes the partition's gauges from what the fetch said, without asking the broker. */
  observe(partition: number, highWatermark: bigint, committed: bigint): void {
    this.partitionLag(partition, highWatermark, committed, this.now());
  }

  /** Asks the broker for the whole group's lag; also refreshes the gauges. */
  async lag(): Promise<ProjectionLag> {
    const { projection, groupId, topic } = this.subject;
    const [ends, committedByPartition] = await Promise.all([this.offsets.topicOffsets(topic), this.offsets.groupOffsets(groupId, topic)]);
    const now = this.now();
    const partitions = ends
      .map(({ partition, low, high }) => {
        const groupOffset = committedByPartition.get(partition) ?? -1n;
        // -1: the group never committed here; it will start at the earliest retained message.
        return this.partitionLag(partition, high, groupOffset >= 0n ? groupOffset : low, now);
      })
      .sort((a, b) => a.partition - b.partition);
    return summarizeLag(projection, groupId, topic, partitions);
  }

  /** Keeps the gauges fresh while no batch arrives (an idle or stuck projection); 0 = only on demand. */
  refreshEvery(ms: number): void {
    this.stopRefreshing();
    if (ms <= 0) return;
    this.timer = setInterval(() => void this.lag().catch(() => {}), ms);
    this.timer.unref();
  }

  stopRefreshing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private partitionLag(partition: number, high: bigint, committed: bigint, now: number): PartitionLag {
    const behind = high > committed ? high - committed : 0n;
    const last = this.lastAppliedAt.get(partition);
    const secondsBehind = behind === 0n ? 0 : last === undefined ? null : Math.max(0, (now - last) / 1000);
    if (this.metrics) {
      const labels = { projection: this.subject.projection, partition: String(partition) };
      this.metrics.eventsBehind.set(labels, Number(behind));
      if (secondsBehind !== null) this.metrics.secondsBehind.set(labels, secondsBehind);
    }
    return {
      partition,
      high_watermark: high.toString(),
      committed_offset: committed.toString(),
      events_behind: Number(behind),
      seconds_behind: secondsBehind,
      last_applied_occurred_at: last === undefined ? null : new Date(last).toISOString(),
    };
  }
}
