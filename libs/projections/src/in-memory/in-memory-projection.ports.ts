import { UnavailableError } from '@shardline/errors';
import { encodeEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import type { DeadLetter, DeadLetterPublisher } from '../apply/dead-letter.port';
import type { BatchControl, PartitionBatch } from '../apply/partition-batch.port';
import type { SourceMessage } from '../apply/source-message';
import type { PartitionWatermarks } from '../lag/topic-offsets.port';
import type { ProjectionSink, SinkRejection } from '../projection-sink.port';
import type { RebuildOffsetsPort } from '../rebuild/rebuild.port';

/** What happened, in order, across the in-memory ports of one test ("apply e1,e2", "dead-letters 1", "commit 3"). */
export type Journal = string[];

/** A read model in memory. `failures`: the next applies throw (engine down); `rejects`: a reason to refuse an event, or null. */
export class InMemorySink implements ProjectionSink {
  readonly applied: RecordEventEnvelope[] = [];
  failures = 0;
  rejects: (event: RecordEventEnvelope) => string | null = () => null;

  constructor(
    private readonly journal: Journal = [],
    readonly name = 'memory',
  ) {}

  async prepare(): Promise<void> {}

  async apply(events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> {
    this.journal.push(`apply ${events.map((e) => e.event_id).join(',')}`);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new UnavailableError('MEMORY.DOWN', 'read model down');
    }
    const rejections = events.flatMap((event) => {
      const reason = this.rejects(event);
      return reason === null ? [] : [{ event, reason }];
    });
    this.applied.push(...events.filter((e) => !rejections.some((r) => r.event === e)));
    return rejections;
  }
}

/** A dead-letter topic in memory; `failures`: the next publishes throw (broker down). */
export class InMemoryDeadLetters implements DeadLetterPublisher {
  readonly letters: Array<DeadLetter & { projection: string }> = [];
  failures = 0;

  constructor(private readonly journal: Journal = []) {}

  async publish(projection: string, letters: readonly DeadLetter[]): Promise<void> {
    this.journal.push(`dead-letters ${letters.length}`);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new UnavailableError('MEMORY.DOWN', 'dead-letter topic down');
    }
    this.letters.push(...letters.map((letter) => ({ ...letter, projection })));
  }
}

/** The source's side of one partition batch; `active = false` models a stop or a lost partition. */
export class InMemoryBatchControl implements BatchControl {
  readonly commits: bigint[] = [];
  readonly waits: number[] = [];
  active = true;

  constructor(private readonly journal: Journal = []) {}

  isActive(): boolean {
    return this.active;
  }

  async wait(ms: number): Promise<boolean> {
    this.waits.push(ms);
    return this.active;
  }

  async commit(next: bigint): Promise<void> {
    this.journal.push(`commit ${next}`);
    this.commits.push(next);
  }
}

/** A broker's offsets in memory: `watermarks` of the topic per partition, committed offsets per group. */
export class InMemoryTopicOffsets implements RebuildOffsetsPort {
  readonly watermarks = new Map<number, { low: bigint; high: bigint }>();
  readonly groups = new Map<string, Map<number, bigint>>();

  constructor(private readonly journal: Journal = []) {}

  async topicOffsets(): Promise<PartitionWatermarks[]> {
    this.journal.push('end offsets');
    return [...this.watermarks].map(([partition, { low, high }]) => ({ partition, low, high }));
  }

  async groupOffsets(groupId: string): Promise<Map<number, bigint>> {
    return new Map(this.groups.get(groupId) ?? []);
  }

  async seekGroup(groupId: string, _topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    this.journal.push(`seek ${groupId} ${[...offsets.values()].join(',')}`);
    this.groups.set(groupId, new Map(offsets));
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.journal.push(`delete ${groupId}`);
    this.groups.delete(groupId);
  }
}

/** Event `n` of record 1000+n as the relay publishes it (version 1, in clear), with `change` applied: unit tests' envelope. */
export function testEnvelope(n: number, change: Partial<RecordEventEnvelope> = {}): RecordEventEnvelope {
  return {
    envelope_version: 1,
    event_id: `e${n}`,
    event_type: 'RecordCreated',
    schema_version: 1,
    stream_id: `rec-${n}`,
    stream_version: 1,
    shard: 0,
    position: String(n),
    business_id: 'acme',
    user_id: '7',
    record_id: String(1000 + n),
    occurred_at: '2026-01-02T03:04:05.678Z',
    command_id: `c${n}`,
    correlation_id: 'corr',
    causation_id: null,
    actor: null,
    data: { id: String(1000 + n), data_content: { n } },
    ...change,
  };
}

/** A partition batch of envelopes (encoded as the relay does) and raw values (poison), at offsets 0, 1, 2 ... */
export function partitionBatch(values: Array<RecordEventEnvelope | Buffer>, topic = 'events', partition = 0): PartitionBatch {
  const messages = values.map(
    (value, offset): SourceMessage => ({
      key: Buffer.isBuffer(value) ? null : value.business_id,
      value: Buffer.isBuffer(value) ? value : encodeEnvelope(value),
      headers: {},
      position: { topic, partition, offset: String(offset) },
    }),
  );
  return { topic, partition, messages };
}
