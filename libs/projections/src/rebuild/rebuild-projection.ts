import { Partitioners, type Admin, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { EventLogReader } from '@shardline/event-store';
import { decodeEnvelope, encodeEnvelope, envelopeOf, EnvelopeDecodeError, TOPICS, type RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink, RebuildableProjectionSink } from '../projection-sink.port';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../runner/backoff';
import { deadLetterMessage, type DeadLetter } from '../runner/dead-letter';
import { ProjectionRunner, type ProjectionTopics, type RunnerLog } from '../runner/projection-runner';

export interface RebuildOptions {
  kafka: Kafka;
  /** The live projection's sink (the one apps/projector runs). */
  liveSink: RebuildableProjectionSink;
  /** Reads each shard's event table in position order. */
  reader: EventLogReader;
  shards: readonly number[];
  /** A new id per rebuild, e.g. `r20250612093000` (names the fresh index/table set). */
  rebuildId: string;
  topics?: ProjectionTopics;
  /** The live projection's consumer group (only used to name the rebuild's own group). */
  liveGroupId?: string;
  /** Events per table read and per sink.apply during the replay. */
  replayBatchSize?: number;
  /** Shards replayed at the same time. */
  replayConcurrency?: number;
  retry?: BackoffOptions;
  /** Attempts of one replay batch before the rebuild gives up (transient sink failures). */
  maxReplayAttempts?: number;
  /** How long each catch-up from Kafka may take before the rebuild is abandoned. */
  catchUpTimeoutMs?: number;
  log?: RunnerLog;
  /** Test hooks, to write while a phase is in progress. */
  hooks?: { afterOffsetsCaptured?: () => Promise<void>; afterReplay?: () => Promise<void>; afterHandover?: () => Promise<void> };
}

export interface RebuildReport {
  rebuildId: string;
  /** End offsets of the topic captured before the tables were read (the catch-up starts here). */
  capturedOffsets: Record<number, string>;
  replayedEvents: number;
  replayRejections: number;
  /** End offsets read after the handover began: the rebuild consumed at least up to these. */
  handoverOffsets: Record<number, string>;
  durationMs: number;
}

/**
 * Rebuilds a read model from the event store while the live one keeps serving, then swaps it in.
 *
 *   1. Capture the END offsets of records.events (E0) - BEFORE reading any table.
 *   2. Replay every shard's event table (position order, keyset pages) into a fresh target.
 *   3. Consume records.events from E0 with a separate consumer group into the same target, until
 *      it reaches the end offsets read now (caught up with the live projection, give or take).
 *   4. beginHandover: live sinks write every batch to the old AND the new target from now on.
 *   5. Read the end offsets again (E1) and consume until the rebuild group committed E1.
 *   6. promote: reads swap to the new target atomically, then it is the only write target.
 *
 * Why 1 before 2 makes the replay gap-safe: positions are allocated at insert, not at commit, so a
 * keyset read of the tables can pass position 11 while the transaction holding position 10 is still
 * open, and never see 10. But the relay only publishes committed events. Any event missing from
 * the table read therefore committed after the read began, hence after E0 was captured, hence it
 * was published at an offset >= E0 - and step 3 consumes everything from E0. Conversely an event
 * published before E0 was committed before step 2 started and the table read sees it. Events seen
 * by both paths are applied twice, which the sinks' versioning makes harmless.
 *
 * Why 4 before 5 leaves no gap at the swap: a message appended after step 4 resolved is fetched by
 * the live runner after that, and a live sink reads the target switch at the start of every apply
 * (see RebuildableProjectionSink), so it lands in the new target too; every message before E1 is
 * consumed by the rebuild group in step 5. After 6 the live runner alone writes the new target.
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const topics = options.topics ?? { events: TOPICS.events, deadLetter: TOPICS.eventsDeadLetter };
  const liveGroupId = options.liveGroupId ?? `shardline-projection-${options.liveSink.name}`;
  const rebuildGroupId = `${liveGroupId}-rebuild-${options.rebuildId}`;
  const admin = options.kafka.admin();
  const producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  await producer.connect();
  let runner: ProjectionRunner | undefined;
  let handingOver = false;
  try {
    const captured = await endOffsets(admin, topics.events);
    log('info', `rebuild ${options.rebuildId}: captured end offsets of ${topics.events}`, { offsets: captured });
    await options.hooks?.afterOffsetsCaptured?.();

    const target = await options.liveSink.createRebuildTarget(options.rebuildId);
    const replay = await replayEventStore(options, target, producer, topics, log);
    log('info', `rebuild ${options.rebuildId}: replayed ${replay.events} events from ${options.shards.length} shards`, { rejected: replay.rejected });
    await options.hooks?.afterReplay?.();

    await admin.setOffsets({ groupId: rebuildGroupId, topic: topics.events, partitions: toSeekEntries(captured) });
    runner = new ProjectionRunner({
      kafka: options.kafka,
      sink: target,
      topics,
      groupId: rebuildGroupId,
      projectionName: target.name,
      fromBeginning: false,
      retry: options.retry,
      lagRefreshMs: 0,
      log,
    });
    await runner.start();
    const timeout = options.catchUpTimeoutMs ?? 30 * 60_000;
    await waitUntilCommitted(admin, rebuildGroupId, topics.events, await endOffsets(admin, topics.events), timeout, runner);
    log('info', `rebuild ${options.rebuildId}: caught up with the topic, handing over`);

    handingOver = true;
    await options.liveSink.beginHandover(options.rebuildId);
    await options.hooks?.afterHandover?.();
    const handover = await endOffsets(admin, topics.events);
    await waitUntilCommitted(admin, rebuildGroupId, topics.events, handover, timeout, runner);

    await options.liveSink.promote(options.rebuildId);
    handingOver = false;
    log('info', `rebuild ${options.rebuildId}: promoted`);
    return {
      rebuildId: options.rebuildId,
      capturedOffsets: Object.fromEntries(captured),
      replayedEvents: replay.events,
      replayRejections: replay.rejected,
      handoverOffsets: Object.fromEntries(handover),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (handingOver) await options.liveSink.abandonRebuild(options.rebuildId).catch((e) => log('error', `rebuild ${options.rebuildId}: could not abandon the handover`, { error: String(e) }));
    throw error;
  } finally {
    await runner?.stop();
    // The rebuild group is single-use; leaving it would only clutter the broker's group list.
    await admin.deleteGroups([rebuildGroupId]).catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

async function replayEventStore(options: RebuildOptions, target: ProjectionSink, producer: Producer, topics: ProjectionTopics, log: RunnerLog) {
  const limit = options.replayBatchSize ?? 1000;
  const totals = { events: 0, rejected: 0 };
  const queue = [...options.shards];
  const worker = async () => {
    for (let shard = queue.shift(); shard !== undefined; shard = queue.shift()) {
      let after = '0';
      for (;;) {
        const stored = await options.reader.readEventsAfter(shard, after, limit);
        if (stored.length === 0) break;
        after = stored[stored.length - 1].position;
        // Through the same encode/decode as the relay and the live runner: the replayed envelope is the one Kafka carries.
        const events: RecordEventEnvelope[] = [];
        const letters: DeadLetter[] = [];
        const messageOf = new Map<RecordEventEnvelope, KafkaMessage>();
        for (const event of stored) {
          const value = encodeEnvelope(envelopeOf(event));
          const message = { key: null, value, offset: event.position, timestamp: String(event.createdTime.getTime()), attributes: 0, headers: {} } as KafkaMessage;
          try {
            const envelope = decodeEnvelope(value);
            events.push(envelope);
            messageOf.set(envelope, message);
          } catch (error) {
            if (!(error instanceof EnvelopeDecodeError)) throw error;
            letters.push({ message, kind: 'decode', reason: error.message });
          }
        }
        const rejections = await withRetries(options, `replay shard ${shard}`, log, () => target.apply(events));
        for (const r of rejections) letters.push({ message: messageOf.get(r.event)!, kind: 'rejected', reason: r.reason });
        if (letters.length > 0) {
          const source = { projection: target.name, topic: `event-store/shard-${shard}`, partition: shard };
          await withRetries(options, 'dead-letter', log, () => producer.send({ topic: topics.deadLetter, acks: -1, messages: letters.map((l) => deadLetterMessage(l, source, new Date())) }));
        }
        totals.events += stored.length;
        totals.rejected += letters.length;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.replayConcurrency ?? 2) }, worker));
  return totals;
}

async function withRetries<T>(options: RebuildOptions, what: string, log: RunnerLog, action: () => Promise<T>): Promise<T> {
  const max = options.maxReplayAttempts ?? 30;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= max) throw error;
      const delay = backoffDelay(attempt, options.retry ?? DEFAULT_BACKOFF);
      log('warn', `${what} failed (attempt ${attempt}/${max}), retrying in ${delay} ms`, { error: String(error) });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function endOffsets(admin: Admin, topic: string): Promise<Map<number, string>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, o.high]));
}

function toSeekEntries(offsets: Map<number, string>) {
  return [...offsets].map(([partition, offset]) => ({ partition, offset }));
}

/** Polls the group's committed offsets until every partition reached `targets`. */
async function waitUntilCommitted(admin: Admin, groupId: string, topic: string, targets: Map<number, string>, timeoutMs: number, runner: ProjectionRunner): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (runner.isFailed()) throw new Error(`rebuild consumer ${groupId} crashed`);
    const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map((group?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const behind = [...targets].filter(([partition, target]) => (committed.get(partition) ?? -1n) < BigInt(target));
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`rebuild consumer ${groupId} did not catch up within ${timeoutMs} ms (behind on partitions ${behind.map(([p]) => p).join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A rebuild id: `r` + UTC start time to the millisecond (r20250612093000123). Lowercase letters and
 * digits only, so every engine can put it in a name (ES index names must be lowercase; ClickHouse
 * table suffixes [a-z0-9_]); sortable by start time.
 */
export function newRebuildId(now: Date = new Date()): string {
  return `r${now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 17)}`;
}
