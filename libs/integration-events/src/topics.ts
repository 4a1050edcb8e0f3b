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

export interface TopicSpec {
  topic: string;
  numPartitions: number;
}

export const TOPIC_SPECS: readonly TopicSpec[] = [
  { topic: TOPICS.events, numPartitions: 8 },
  { topic: TOPICS.eventsDeadLetter, numPartitions: 1 },
  { topic: TOPICS.commands, numPartitions: 8 },
  { topic: TOPICS.commandResults, numPartitions: 8 },
];
