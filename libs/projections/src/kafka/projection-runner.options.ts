import type { Kafka } from 'kafkajs';
import type { BackoffOptions, WorkerLog } from '@shardline/worker';
import type { ApplyCoalescerOptions } from '../apply/apply-coalescer';
import type { DecodedEnvelopeCache } from '../apply/decoded-envelope-cache';
import type { EnvelopeKeys } from '../apply/envelope-keys.port';
import type { ProjectionSink } from '../projection-sink.port';
import type { ProjectionMetrics } from '../projection.metrics';
import type { ProjectionTopics } from '../projection-topics';

export interface ProjectionRunnerOptions {
  kafka: Kafka;
  sink: ProjectionSink;
  /**
   * The users' data keys that open sealed envelopes (version 2, what the relay publishes by
   * default). Without them a sealed envelope stalls its partition (retried, never dropped).
   */
  keys?: EnvelopeKeys;
  /**
   * One cache shared by the runners of a process that consume the same topic (one per read model),
   * so each message is decoded and opened once, not once per group. Never needed for correctness.
   */
  decodedCache?: DecodedEnvelopeCache;
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
  /**
   * Fetch shape (see ConsumerGroupOptions.fetch): how many bytes the broker gathers before it
   * answers, and how long it waits for them at most. Default: kafkajs' (answer at once).
   */
  fetch?: { minBytes: number; maxWaitTimeInMs: number };
  retry?: BackoffOptions;
  /** A brand-new group starts at the earliest retained message (default) rather than at the end. */
  fromBeginning?: boolean;
  /** Kafka group session: how long a silent member keeps its partitions (ms). */
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  /** How often the lag gauges are refreshed from the broker while idle (ms; 0 = only on demand). */
  lagRefreshMs?: number;
  /** prepare() creates or grows the topics to their production partition counts (the projector; not tests on private topics). */
  provisionTopics?: boolean;
  metrics?: ProjectionMetrics;
  log?: WorkerLog;
  now?: () => number;
}

export const DEFAULT_COALESCE: ApplyCoalescerOptions = { maxEvents: 5000, lingerMs: 50 };
