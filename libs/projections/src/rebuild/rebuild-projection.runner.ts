import { UnavailableError } from '@shardline/errors';
import type { EventLogReader } from '@shardline/event-store';
import { DEFAULT_BACKOFF, sleep, type BackoffOptions, type WorkerLog } from '@shardline/worker';
import type { EnvelopeKeys } from '../apply/envelope-keys.port';
import type { RebuildableProjectionSink } from '../projection-sink.port';
import { DEFAULT_PROJECTION_TOPICS, type ProjectionTopics } from '../projection-topics';
import type { CatchUpConsumer, RebuildOffsetsPort, RebuildPorts } from './rebuild.port';
import { replayEventStore } from './replay-event-store';

export interface RebuildOptions {
  /** The live projection's sink (the one apps/projector runs). */
  liveSink: RebuildableProjectionSink;
  /** Reads each shard's event table in position order. */
  reader: EventLogReader;
  /**
   * Opens the sealed envelopes the catch-up from Kafka reads (the replay of the tables is plain
   * version 1 and needs none).
   */
  keys?: EnvelopeKeys;
  shards: readonly number[];
  /** A new id per rebuild (newRebuildId(): names the fresh index/table set). */
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
  log?: WorkerLog;
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
 *
 * Broker-free: the ports come from `rebuildProjection` in `@shardline/projections/kafka`.
 */
export async function runRebuild(options: RebuildOptions, ports: RebuildPorts): Promise<RebuildReport> {
  const started = Date.now();
  const { liveSink, rebuildId, hooks } = options;
  const log = options.log ?? (() => {});
  const topic = (options.topics ?? DEFAULT_PROJECTION_TOPICS).events;
  const rebuildGroupId = `${options.liveGroupId ?? `shardline-projection-${liveSink.name}`}-rebuild-${rebuildId}`;
  const timeoutMs = options.catchUpTimeoutMs ?? 30 * 60_000;
  const watch = { offsets: ports.offsets, groupId: rebuildGroupId, topic, timeoutMs };
  let consumer: CatchUpConsumer | undefined;
  let handingOver = false;
  try {
    const captured = await endOffsets(ports.offsets, topic); // 1.
    log('info', `rebuild ${rebuildId}: captured end offsets of ${topic}`, { offsets: Object.fromEntries(captured) });
    await hooks?.afterOffsetsCaptured?.();

    const target = await liveSink.createRebuildTarget(rebuildId); // 2.
    const replay = await replayEventStore(
      {
        reader: options.reader,
        shards: options.shards,
        batchSize: options.replayBatchSize ?? 1000,
        concurrency: options.replayConcurrency ?? 2,
        retry: options.retry ?? DEFAULT_BACKOFF,
        maxAttempts: options.maxReplayAttempts ?? 30,
        log,
        keys: options.keys,
      },
      target,
      ports.deadLetters,
    );
    log('info', `rebuild ${rebuildId}: replayed ${replay.events} events from ${options.shards.length} shards`, { rejected: replay.rejected });
    await hooks?.afterReplay?.();

    await ports.offsets.seekGroup(rebuildGroupId, topic, toBigints(captured)); // 3.
    consumer = ports.catchUpConsumer(rebuildGroupId, target);
    await consumer.start();
    await waitUntilCommitted(watch, await endOffsets(ports.offsets, topic), consumer);
    log('info', `rebuild ${rebuildId}: caught up with the topic, handing over`);

    handingOver = true;
    await liveSink.beginHandover(rebuildId); // 4.
    await hooks?.afterHandover?.();
    const handover = await endOffsets(ports.offsets, topic); // 5.
    await waitUntilCommitted(watch, handover, consumer);

    await liveSink.promote(rebuildId); // 6.
    handingOver = false;
    log('info', `rebuild ${rebuildId}: promoted`);
    return {
      rebuildId,
      capturedOffsets: Object.fromEntries(captured),
      replayedEvents: replay.events,
      replayRejections: replay.rejected,
      handoverOffsets: Object.fromEntries(handover),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (handingOver) await liveSink.abandonRebuild(rebuildId).catch((e) => log('error', `rebuild ${rebuildId}: could not abandon the handover`, { error: String(e) }));
    throw error;
  } finally {
    await consumer?.stop();
    // The rebuild group is single-use; leaving it would only clutter the broker's group list.
    await ports.offsets.deleteGroup(rebuildGroupId).catch(() => {});
  }
}

async function endOffsets(offsets: RebuildOffsetsPort, topic: string): Promise<Map<number, string>> {
  return new Map((await offsets.topicOffsets(topic)).map((o) => [o.partition, o.high.toString()]));
}

function toBigints(offsets: Map<number, string>): Map<number, bigint> {
  return new Map([...offsets].map(([partition, offset]) => [partition, BigInt(offset)]));
}

/** Polls the group's committed offsets until every partition reached `targets`. */
async function waitUntilCommitted(
  watch: { offsets: RebuildOffsetsPort; groupId: string; topic: string; timeoutMs: number },
  targets: Map<number, string>,
  consumer: CatchUpConsumer,
): Promise<void> {
  const { offsets, groupId, topic, timeoutMs } = watch;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (consumer.isFailed()) throw new UnavailableError('PROJECTION.REBUILD_CONSUMER_FAILED', `rebuild consumer ${groupId} crashed`);
    const committed = await offsets.groupOffsets(groupId, topic);
    const behind = [...targets].filter(([partition, target]) => (committed.get(partition) ?? -1n) < BigInt(target));
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      const partitions = behind.map(([p]) => p).join(', ');
      throw new UnavailableError('PROJECTION.REBUILD_TIMEOUT', `rebuild consumer ${groupId} did not catch up within ${timeoutMs} ms (behind on partitions ${partitions})`);
    }
    await sleep(200);
  }
}
