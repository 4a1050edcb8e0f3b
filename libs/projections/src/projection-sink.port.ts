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
