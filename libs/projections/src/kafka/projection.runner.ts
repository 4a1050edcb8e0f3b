import type { Consumer, EachBatchPayload } from 'kafkajs';
import { InternalError } from '@shardline/errors';
import { DEFAULT_BACKOFF, type Worker, type WorkerLog } from '@shardline/worker';
import { ApplyCoalescer } from '../apply/apply-coalescer';
import { PartitionBatchProcessor } from '../apply/partition-batch.processor';
import { ProjectionLagMonitor } from '../lag/projection-lag.monitor';
import type { ProjectionLag } from '../lag/projection-lag';
import { DEFAULT_PROJECTION_TOPICS, type ProjectionTopics } from '../projection-topics';
import { ensureProjectionTopics } from './ensure-projection-topics';
import { KafkaDeadLetterPublisher } from './kafka-dead-letter.publisher';
import { joinConsumerGroup } from './kafka-consumer-group';
import { KafkaBatchControl, partitionBatchOf } from './kafka-partition-batch.adapter';
import { KafkaTopicOffsets } from './kafka-topic-offsets.adapter';
import { OffsetCommitBatcher } from './offset-commit-batcher';
import { DEFAULT_COALESCE, type ProjectionRunnerOptions } from './projection-runner.options';

type RunnerState = 'created' | 'prepared' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * Feeds one read model (a ProjectionSink) from records.events: the Kafka side of the projection.
 * It owns the consumer group (`eachBatch`, `autoCommit: false`), the offsets, the heartbeats while
 * a failure is waited out, and the dead-letter producer; what happens to a batch (decode, apply,
 * dead letters, commit after both) is the driver-free PartitionBatchProcessor, and lag is
 * ProjectionLagMonitor over the admin client. A Worker: the projector runs it through
 * WorkerLifecycle; start() alone also prepares first.
 */
export class ProjectionRunner implements Worker {
  readonly name: string;
  readonly groupId: string;
  readonly topics: ProjectionTopics;
  private readonly offsets: KafkaTopicOffsets;
  private readonly deadLetters: KafkaDeadLetterPublisher;
  private readonly lagMonitor: ProjectionLagMonitor;
  private readonly processor: PartitionBatchProcessor;
  /** Aborted by stop(): ends a retry wait at once and abandons the chunk waiting in it. */
  private readonly stopSignal = new AbortController();
  private consumer?: Consumer;
  private state: RunnerState = 'created';
  private joined = false;
  private stopped?: Promise<void>;
  /** Per partition: next offset to consume as committed by THIS process. */
  private readonly committed = new Map<number, bigint>();
  private readonly commits = new OffsetCommitBatcher();

  constructor(private readonly options: ProjectionRunnerOptions) {
    const { kafka, sink } = options;
    this.name = options.projectionName ?? sink.name;
    this.groupId = options.groupId ?? `shardline-projection-${sink.name}`;
    this.topics = options.topics ?? DEFAULT_PROJECTION_TOPICS;
    this.offsets = new KafkaTopicOffsets(kafka);
    this.deadLetters = new KafkaDeadLetterPublisher(kafka, this.topics.deadLetter, options.now);
    this.lagMonitor = new ProjectionLagMonitor({ projection: this.name, groupId: this.groupId, topic: this.topics.events }, this.offsets, options.metrics, options.now);
    this.processor = new PartitionBatchProcessor({
      projection: this.name,
      coalescer: new ApplyCoalescer(sink, options.coalesce ?? DEFAULT_COALESCE, (events) => options.metrics?.sinkApplyEvents.observe({ projection: this.name }, events)),
      deadLetters: this.deadLetters,
      keys: options.keys,
      cache: options.decodedCache,
      lag: this.lagMonitor,
      batchSize: options.batchSize ?? 1000,
      retry: options.retry ?? DEFAULT_BACKOFF,
      metrics: options.metrics,
      log: this.log,
    });
  }

  /** Topics (if asked), the sink, the admin and DLQ clients, the group subscription. Idempotent. */
  async prepare(): Promise<void> {
    if (this.state !== 'created') return;
    const { kafka, sink } = this.options;
    try {
      if (this.options.provisionTopics) await ensureProjectionTopics(kafka, this.topics);
      await sink.prepare();
      await this.offsets.connect();
      await this.deadLetters.connect();
      this.consumer ??= await joinConsumerGroup(kafka, {
        groupId: this.groupId,
        topic: this.topics.events,
        fromBeginning: this.options.fromBeginning ?? true,
        sessionTimeoutMs: this.options.sessionTimeoutMs ?? 30_000,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs ?? 60_000,
        fetch: this.options.fetch,
        onJoin: () => (this.joined = true),
        onCrash: (restart, error) => this.crashed(restart, error),
      });
    } catch (error) {
      // Leave nothing half-connected, so the next attempt starts clean.
      await this.disconnect();
      throw error;
    }
    // Stopped while preparing: close what was just opened.
    if (this.stopSignal.signal.aborted) return this.disconnect();
    this.state = 'prepared';
  }

  /** Prepares if needed, then consumes; resolves once consuming has started. */
  async start(): Promise<void> {
    if (this.state === 'created') await this.prepare();
    if (this.state !== 'prepared') throw new InternalError('PROJECTION.NOT_STARTABLE', `runner ${this.name} is ${this.state}`);
    try {
      await this.consumer!.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      await this.disconnect();
      this.state = 'created';
      throw error;
    }
    this.state = 'running';
    this.lagMonitor.refreshEvery(this.options.lagRefreshMs ?? 5000);
  }

  /** Ready = consuming as a member of the group (not crashed, not stopping). */
  isReady(): boolean {
    return this.state === 'running' && this.joined;
  }

  isFailed(): boolean {
    return this.state === 'failed';
  }

  /**
   * Graceful stop, idempotent: the chunk in progress finishes (apply, dead letters, commit) unless
   * it is waiting out a transient failure, which is abandoned uncommitted; then the group is left.
   */
  stop(): Promise<void> {
    return (this.stopped ??= this.stopOnce());
  }

  /** Offsets (next offset to consume) this process committed, per partition. */
  committedOffsets(): ReadonlyMap<number, bigint> {
    return this.committed;
  }

  /** The whole group's lag (see ProjectionLagMonitor); also refreshes the gauges. */
  lag(): Promise<ProjectionLag> {
    return this.lagMonitor.lag();
  }

  private async stopOnce(): Promise<void> {
    this.stopSignal.abort();
    if (this.state !== 'created') this.state = 'stopping';
    this.lagMonitor.stopRefreshing();
    await this.disconnect();
    this.state = 'stopped';
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const control = new KafkaBatchControl(payload, this.committed, this.stopSignal.signal, this.log, this.name, this.commits);
    const end = this.options.metrics?.applySeconds.startTimer({ projection: this.name });
    if (!(await this.processor.process(partitionBatchOf(batch), control))) return;
    await control.commitBatchEnd();
    const committed = this.committed.get(batch.partition);
    if (committed !== undefined) this.lagMonitor.observe(batch.partition, BigInt(batch.highWatermark), committed);
    end?.();
  }

  private crashed(restart: boolean | undefined, error: unknown): void {
    this.joined = false;
    this.log(restart ? 'warn' : 'error', `projection ${this.name}: consumer crashed${restart ? ', restarting' : ' for good'}`, { error: String(error) });
    if (restart === false) this.state = 'failed';
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch((error) => this.log('warn', `projection ${this.name}: consumer disconnect failed`, { error: String(error) }));
    await this.deadLetters.disconnect();
    await this.offsets.disconnect();
  }

  private get log(): WorkerLog {
    return this.options.log ?? (() => {});
  }
}
