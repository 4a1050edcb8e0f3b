/**
 * Kafka topics Shardline owns. Created explicitly (the broker's auto-create would make them with
 * one partition); partition counts bound consumer parallelism and can only grow.
 * Keys are the business_id everywhere, so per-business order holds within a partition.
 */
export const TOPICS = {
  /** Every event appended to the event store, published by the relay. */
  events: 'records.events',
  /** Events a projection could not apply, with the error in the headers. */
  eventsDeadLetter: 'records.events.dlq',
  /** Commands from message clients (same shapes as the REST bodies). */
  commands: 'records.commands',
  /** One result per command on records.commands, correlated by command id. */
  commandResults: 'records.command-results',
} as const;

/**
 * How long the dead-letter topic keeps a letter (and its resend ledger `<dlq>.resends` an entry):
 * 30 days, set as retention.ms when the topic is created, so an operator has a month to fix a cause
 * and re-send. A topic created before keeps its own (the broker default, often 7 days): change it
 * with kafka-configs --alter (README, "Dead letters").
 */
export const DEAD_LETTER_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

const HOUR_MS = 60 * 60 * 1000;

/**
 * Retention of each topic, set when it is created and enforced on existing topics by
 * `ops-cli maintain --only kafka` (README, Data lifecycle). Kafka is a transport here, never the
 * record of truth (the event store is): events are kept 7 days — a projection stopped longer than
 * that rebuilds from the event store instead of catching up (~140 GB per replica at 2×10^7 events
 * of ~1 KiB a day); commands 7 days (an intake down over a long weekend still finds them); results
 * 1 day (clients wait seconds for them).
 */
export const TOPIC_RETENTION_MS = {
  events: 7 * 24 * HOUR_MS,
  eventsDeadLetter: DEAD_LETTER_RETENTION_MS,
  commands: 7 * 24 * HOUR_MS,
  commandResults: 24 * HOUR_MS,
} as const;

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Topic configuration (retention.ms, cleanup.policy) set at creation and by the maintenance job. */
  configEntries: Readonly<Record<string, string>>;
}

const retention = (ms: number) => ({ 'cleanup.policy': 'delete', 'retention.ms': String(ms) });

export const TOPIC_SPECS: readonly TopicSpec[] = [
  { topic: TOPICS.events, numPartitions: 8, configEntries: retention(TOPIC_RETENTION_MS.events) },
  { topic: TOPICS.eventsDeadLetter, numPartitions: 1, configEntries: retention(TOPIC_RETENTION_MS.eventsDeadLetter) },
  { topic: TOPICS.commands, numPartitions: 8, configEntries: retention(TOPIC_RETENTION_MS.commands) },
  { topic: TOPICS.commandResults, numPartitions: 8, configEntries: retention(TOPIC_RETENTION_MS.commandResults) },
];

/** The spec of one of the topics above under its configured name (topic names are configurable). */
export function topicSpecAs(kind: keyof typeof TOPICS, name: string): TopicSpec {
  return { ...TOPIC_SPECS.find((t) => t.topic === TOPICS[kind])!, topic: name };
}
