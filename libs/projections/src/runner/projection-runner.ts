import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { decodeEnvelope, EnvelopeDecodeError, TOPICS, type RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink } from '../projection-sink.port';
import { ApplyCoalescer, type ApplyCoalescerOptions } from './apply-coalescer';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { deadLetterMessage, type DeadLetter } from './dead-letter';
import type { ProjectionMetrics } from './projection-metrics';
import { PartitionLag, ProjectionLag, summarizeLag } from './projection-lag';

export type RunnerLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) => void;

export interface ProjectionTopics {
  /** Source of events (records.events). */
  events: string;
  /** Where poison messages and rejected events go (records.events.dlq). */
  deadLetter: string;
}

export interface ProjectionRunnerOptions {
  kafka: Kafka;
  sink: ProjectionSink;
  /** Injectable so tests use private random topics. Default: TOPICS.events / TOPICS.eventsDeadLetter. */
  topics?: ProjectionTopics;
  /** Default `shardline-projection-<sink.name>`; the rebuild runs its own group. */
  groupId?: string;
  /** Name in metrics, logs, the lag report and the DLQ header. Default sink.name. */
  projectionName?: string;
  /** Most events handed to one sink.apply() (a Kafka fetch is cut into chunks of this size). */
  batchSize?: number;
  /** Partitions processed at the same time (their chunks are applied together, see `coalesce`). */
  partitionsConsumedConcurrently?: number;
  /**
   * How the chunks of partitions processed at the same time are merged into one sink.apply()
   * (default: up to 5,000 events, a chunk waiting up to 50 ms for the others).
   */
  coalesce?: ApplyCoalescerOptions;
  retry?: BackoffOptions;
  /** A brand-new group starts at the earliest retained message (default) rather than at the end. */
  fromBeginning?: boolean;
  /** Kafka group session: how long a silent member keeps its partitions (ms). */
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  /** How often the lag gauges are refreshed from the broker while idle (ms; 0 = only on demand). */
  lagRefreshMs?: number;
  metrics?: ProjectionMetrics;
  log?: RunnerLog;
  now?: () => number;
}

type RunnerState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export const DEFAULT_COALESCE: ApplyCoalescerOptions = { maxEvents: 5000, lingerMs: 50 };

/** Returned by `retrying` when the runner stops or loses the partition while waiting. */
const GAVE_UP = Symbol('gave-up');

/**
 * Feeds one read model (a ProjectionSink) from records.events.
 *
 * Per fetched batch of one partition, cut into chunks of `batchSize`:
 *   decode every message (an undecodable one is poison) -> sink.apply(valid events, together with
 *   the chunks of other partitions ready at the same time: ApplyCoalescer)
 *   -> dead-letter the poison and the sink's rejections (original bytes + reason headers)
 *   -> commit the offset after the chunk.
 * The offset is committed only after the sink accepted the chunk and the dead letters were
 * acknowledged by the broker, so a crash anywhere before that re-delivers the chunk (at-least-once);
 * the sink's idempotence (external versions) makes the re-delivery harmless. A transient failure
 * (sink or DLQ throws) is retried with capped exponential backoff for as long as it takes: the chunk
 * is neither committed nor skipped, so later events of the partition wait behind it (per-partition
 * order holds and nothing is lost while ES/ClickHouse is down).
 */
export class ProjectionRunner {
  readonly name: string;
  readonly groupId: string;
  readonly topics: ProjectionTopics;
  private readonly kafka: Kafka;
  private readonly sink: ProjectionSink;
  private readonly coalescer: ApplyCoalescer;
  private readonly batchSize: number;
  private readonly retry: BackoffOptions;
  private readonly log: RunnerLog;
  private readonly now: () => number;
  private consumer?: Consumer;
  private producer?: Producer;
  private admin?: Admin;
  private state: RunnerState = 'created';
  private joined = false;
  private lagTimer?: NodeJS.Timeout;
  private wakeSleepers: Array<() => void> = [];
  /** Per partition: next offset to consume as committed by THIS process, and the last applied event time. */
  private readonly committed = new Map<number, bigint>();
  private readonly lastAppliedAt = new Map<number, number>();
  private readonly highWatermarks = new Map<number, bigint>();

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.kafka = options.kafka;
    this.sink = options.sink;
    this.name = options.projectionName ?? options.sink.name;
    this.groupId = options.groupId ?? `shardline-projection-${options.sink.name}`;
    this.topics = options.topics ?? { events: TOPICS.events, deadLetter: TOPICS.eventsDeadLetter };
    this.batchSize = options.batchSize ?? 1000;
    this.coalescer = new ApplyCoalescer(options.sink, options.coalesce ?? DEFAULT_COALESCE);
    this.retry = options.retry ?? DEFAULT_BACKOFF;
    this.log = options.log ?? (() => {});
    this.now = options.now ?? Date.now;
  }

  /** Prepares the sink, then joins the consumer group; resolves once consuming has started. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`runner ${this.name} already ${this.state}`);
    this.state = 'starting';
    try {
      await this.connectAndRun();
    } catch (error) {
      // Leave nothing half-connected, so the caller can simply call start() again later.
      await this.consumer?.disconnect().catch(() => {});
      await this.producer?.disconnect().catch(() => {});
      await this.admin?.disconnect().catch(() => {});
      this.consumer = this.producer = this.admin = undefined;
      this.state = 'created';
      throw error;
    }
    this.state = 'running';
    const refresh = this.options.lagRefreshMs ?? 5000;
    if (refresh > 0) {
      this.lagTimer = setInterval(() => void this.lag().catch(() => {}), refresh);
      this.lagTimer.unref();
    }
  }

  private async connectAndRun(): Promise<void> {
    await this.sink.prepare();
    this.admin = this.kafka.admin();
    await this.admin.connect();
    // Idempotent producer: a retried DLQ send never duplicates a dead letter.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: this.options.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: Math.min(3000, Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 3)),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.joined = false;
      const restart = (event.payload as { restart?: boolean }).restart;
      this.log(restart ? 'warn' : 'error', `projection ${this.name}: consumer crashed${restart ? ', restarting' : ' for good'}`, {
        error: String((event.payload as { error?: unknown }).error),
      });
      if (restart === false) this.state = 'failed';
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topics.events], fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Ready = consuming as a member of the group (not crashed, not stopping). */
  isReady(): boolean {
    return this.state === 'running' && this.joined;
  }

  isFailed(): boolean {
    return this.state === 'failed';
  }

  /**
   * Graceful stop: the chunk in progress finishes (apply, dead letters, commit) unless it is
   * waiting out a transient failure, which is abandoned uncommitted; then the group is left.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'created') return;
    this.state = 'stopping';
    if (this.lagTimer) clearInterval(this.lagTimer);
    for (const wake of this.wakeSleepers.splice(0)) wake();
    await this.consumer?.disconnect().catch((error) => this.log('warn', `projection ${this.name}: consumer disconnect failed`, { error: String(error) }));
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.state = 'stopped';
  }

  /** Offsets (next offset to consume) this process committed, per partition. */
  committedOffsets(): ReadonlyMap<number, bigint> {
    return this.committed;
  }

  /**
   * Lag of the whole group (whichever process owns each partition): high watermark minus the
   * group's committed offset, from the broker; seconds behind from the events this process applied.
   * Also refreshes the gauges.
   */
  async lag(): Promise<ProjectionLag> {
    const admin = this.admin;
    if (!admin) throw new Error(`runner ${this.name} is not started`);
    const [ends, groups] = await Promise.all([
      admin.fetchTopicOffsets(this.topics.events),
      admin.fetchOffsets({ groupId: this.groupId, topics: [this.topics.events] }),
    ]);
    const committedByPartition = new Map((groups[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const now = this.now();
    const partitions: PartitionLag[] = ends
      .map((end) => {
        const high = BigInt(end.high);
        const groupOffset = committedByPartition.get(end.partition) ?? -1n;
        // -1: the group never committed here; it will start at the earliest retained message.
        const committed = groupOffset >= 0n ? groupOffset : BigInt(end.low);
        this.highWatermarks.set(end.partition, high);
        return this.partitionLag(end.partition, high, committed, now);
      })
      .sort((a, b) => a.partition - b.partition);
    return summarizeLag(this.name, this.groupId, this.topics.events, partitions);
  }

  private partitionLag(partition: number, high: bigint, committed: bigint, now: number): PartitionLag {
    const behind = high > committed ? high - committed : 0n;
    const last = this.lastAppliedAt.get(partition);
    const secondsBehind = behind === 0n ? 0 : last === undefined ? null : Math.max(0, (now - last) / 1000);
    const metrics = this.options.metrics;
    if (metrics) {
      const labels = { projection: this.name, partition: String(partition) };
      metrics.eventsBehind.set(labels, Number(behind));
      if (secondsBehind !== null) metrics.secondsBehind.set(labels, secondsBehind);
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

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    this.coalescer.enter();
    try {
      await this.onBatchEntered(payload);
    } finally {
      this.coalescer.leave();
    }
  }

  private async onBatchEntered(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const end = this.timerStart();
    for (let i = 0; i < batch.messages.length; i += this.batchSize) {
      if (!payload.isRunning() || payload.isStale() || this.state === 'stopping') return;
      const chunk = batch.messages.slice(i, i + this.batchSize);
      const done = await this.processChunk(payload, chunk);
      if (!done) return;
    }
    // Transaction markers and compacted-away offsets carry no message; step the committed offset
    // over them too, or the group would stay "1 behind" forever.
    const last = BigInt(batch.lastOffset());
    if (last + 1n > (this.committed.get(batch.partition) ?? -1n) && payload.isRunning() && !payload.isStale()) {
      payload.resolveOffset(last.toString());
      await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (last + 1n).toString() }] }] });
      this.committed.set(batch.partition, last + 1n);
    }
    this.highWatermarks.set(batch.partition, BigInt(batch.highWatermark));
    const committed = this.committed.get(batch.partition);
    if (committed !== undefined) this.partitionLag(batch.partition, BigInt(batch.highWatermark), committed, this.now());
    end();
  }

  /** Returns false when the chunk was abandoned uncommitted (stopping, or partition lost). */
  private async processChunk(payload: EachBatchPayload, chunk: KafkaMessage[]): Promise<boolean> {
    const { batch } = payload;
    const events: RecordEventEnvelope[] = [];
    const messageOf = new Map<RecordEventEnvelope, KafkaMessage>();
    const letters: DeadLetter[] = [];
    for (const message of chunk) {
      try {
        const event = decodeEnvelope(message.value);
        events.push(event);
        messageOf.set(event, message);
      } catch (error) {
        if (!(error instanceof EnvelopeDecodeError)) throw error;
        letters.push({ message, kind: 'decode', reason: error.message });
      }
    }

    const rejections = events.length === 0 ? [] : await this.retrying(payload, 'apply', () => this.coalescer.apply(events));
    if (rejections === GAVE_UP) return false;
    for (const rejection of rejections) {
      const message = messageOf.get(rejection.event) ?? chunk.find((m) => sameEvent(m, rejection.event));
      if (!message) throw new Error(`sink ${this.sink.name} rejected an event it was not given (${rejection.event.event_id})`);
      letters.push({ message, kind: 'rejected', reason: rejection.reason });
    }

    if (letters.length > 0) {
      const source = { projection: this.name, topic: batch.topic, partition: batch.partition };
      const at = new Date(this.now());
      const messages = letters.map((letter) => deadLetterMessage(letter, source, at));
      const sent = await this.retrying(payload, 'dead-letter', () => this.producer!.send({ topic: this.topics.deadLetter, acks: -1, messages }));
      if (sent === GAVE_UP) return false;
      for (const letter of letters) {
        this.options.metrics?.deadLettered.inc({ projection: this.name, kind: letter.kind });
        this.log('warn', `projection ${this.name}: dead-lettered ${batch.topic}/${batch.partition}@${letter.message.offset}`, { kind: letter.kind, reason: letter.reason });
      }
    }

    // Only now is the chunk done: commit the offset after its last message.
    const last = chunk[chunk.length - 1].offset;
    const next = BigInt(last) + 1n;
    payload.resolveOffset(last);
    // A chunk re-delivered after a rebalance (already applied and committed further by this
    // process) must not move the group's offset backwards.
    if (next > (this.committed.get(batch.partition) ?? -1n)) {
      await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next.toString() }] }] });
      this.committed.set(batch.partition, next);
    }
    const newest = events.reduce((max, e) => Math.max(max, Date.parse(e.occurred_at)), -Infinity);
    if (Number.isFinite(newest)) this.lastAppliedAt.set(batch.partition, Math.max(newest, this.lastAppliedAt.get(batch.partition) ?? -Infinity));
    this.options.metrics?.applied.inc({ projection: this.name }, events.length - rejections.length);
    return true;
  }

  /**
   * Runs `action` until it succeeds, waiting with capped exponential backoff between attempts and
   * heart-beating so the group does not evict us while a read model is down. Gives up (returns
   * GAVE_UP, nothing committed) only when the runner stops or the partition is taken away.
   */
  private async retrying<T>(payload: EachBatchPayload, what: string, action: () => Promise<T>): Promise<T | typeof GAVE_UP> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        this.options.metrics?.retries.inc({ projection: this.name });
        const delay = backoffDelay(attempt, this.retry);
        this.log(attempt === 1 ? 'warn' : 'error', `projection ${this.name}: ${what} failed (attempt ${attempt}), retrying in ${delay} ms`, {
          partition: payload.batch.partition,
          error: error instanceof Error ? error.message : String(error),
        });
        if (!(await this.sleepWithHeartbeat(payload, delay))) return GAVE_UP;
      }
    }
  }

  private async sleepWithHeartbeat(payload: EachBatchPayload, ms: number): Promise<boolean> {
    const until = this.now() + ms;
    while (this.now() < until) {
      if (this.state === 'stopping' || !payload.isRunning() || payload.isStale()) return false;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakeSleepers = this.wakeSleepers.filter((w) => w !== done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(1000, Math.max(1, until - this.now())));
        this.wakeSleepers.push(done);
      });
      try {
        await payload.heartbeat();
      } catch (error) {
        // A rebalance took the partition (or is in progress): leave the chunk uncommitted for its next owner.
        this.log('warn', `projection ${this.name}: heartbeat failed while retrying, abandoning the batch`, { error: String(error) });
        return false;
      }
    }
    return this.state !== 'stopping' && payload.isRunning() && !payload.isStale();
  }

  private timerStart(): () => void {
    const histogram = this.options.metrics?.applySeconds;
    if (!histogram) return () => {};
    return histogram.startTimer({ projection: this.name }) as () => void;
  }
}

function sameEvent(message: KafkaMessage, event: RecordEventEnvelope): boolean {
  try {
    return decodeEnvelope(message.value).event_id === event.event_id;
  } catch {
    return false;
  }
}
