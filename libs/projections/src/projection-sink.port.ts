import type { RecordEventEnvelope } from '@shardline/integration-events';

/**
 * A read model fed from `records.events` (Elasticsearch, ClickHouse, ...). The projection runner
 * owns Kafka (consumer group, offsets, dead-letter topic, lag); a sink only applies events.
 *
 * Contract, proven per sink by tests:
 * - apply() is idempotent and order-insensitive per stream: applying an event twice, or an older
 *   version after a newer one, leaves the read model as if each version were applied once in order
 *   (external versioning by stream_version, ReplacingMergeTree by version, ...).
 * - apply() resolves only once the read model durably accepted every event it was given that it
 *   did not reject; only then does the runner commit the batch's offsets.
 * - Events the sink can never apply (a mapping conflict, an unknown event type) are returned as
 *   rejections; the runner sends each to the dead-letter topic with its reason and moves on.
 *   Anything transient (engine down, timeout, 429) is thrown instead, and the runner retries the
 *   whole batch with backoff without committing.
 */
export interface ProjectionSink {
  /** Stable name: consumer group `shardline-projection-<name>`, metric labels, admin endpoint. */
  readonly name: string;
  /** Creates what the read model needs (templates, tables) if missing; safe to call repeatedly. */
  prepare(): Promise<void>;
  apply(events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]>;
}

export interface SinkRejection {
  event: RecordEventEnvelope;
  reason: string;
}

/**
 * A sink whose read model can be rebuilt from the event store and swapped in while the live one
 * keeps serving (optional extension; the rebuild command refuses sinks that do not implement it).
 *
 * The rebuild (libs/projections/src/rebuild) drives these in order:
 *   1. createRebuildTarget(id): a fresh, empty target set (index set / table set) named by `id`,
 *      and a sink that writes ONLY to it. The rebuild replays the event tables and then the topic
 *      from offsets captured before the replay into it.
 *   2. beginHandover(id): from their next apply() on, the LIVE sinks of this projection, in every
 *      process, write each batch to the current target AND to the rebuild target. The switch must
 *      be read by apply() itself (e.g. a pointer stored in the engine, read at the start of every
 *      apply) - never cached across batches - because the rebuild relies on this: a message
 *      appended to the topic after beginHandover resolved is applied by the live runner to both
 *      targets, so the rebuild only has to consume up to the end offsets read after it.
 *   3. promote(id): reads switch atomically to the rebuild target (one alias swap / table
 *      exchange); then the rebuild target becomes the only write target. The old set is kept for
 *      rollback/inspection and dropped by an operator.
 *   abandonRebuild(id): undoes beginHandover (the live target stays the only one); called when a
 *      rebuild fails or is aborted.
 * apply() of every sink must stay idempotent and order-insensitive, since during a handover the
 * same event reaches the rebuild target from the replay, the rebuild consumer and the live runner.
 */
export interface RebuildableProjectionSink extends ProjectionSink {
  createRebuildTarget(rebuildId: string): Promise<ProjectionSink>;
  beginHandover(rebuildId: string): Promise<void>;
  promote(rebuildId: string): Promise<void>;
  abandonRebuild(rebuildId: string): Promise<void>;
}

export function isRebuildable(sink: ProjectionSink): sink is RebuildableProjectionSink {
  const s = sink as Partial<RebuildableProjectionSink>;
  return typeof s.createRebuildTarget === 'function' && typeof s.beginHandover === 'function' && typeof s.promote === 'function' && typeof s.abandonRebuild === 'function';
}
