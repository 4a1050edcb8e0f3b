import pino from 'pino';
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { DEAD_LETTER_RETENTION_MS } from '@shardline/integration-events';
import { createKafka, ensureTopics } from '@shardline/kafka';
import { KafkaDeadLetterSource, KafkaResendLedger } from '@shardline/projections/kafka';
import type { WorkerLog } from '@shardline/worker';
import { PROJECTION_NAMES, projectorConfigFromEnv, type ProjectorConfig } from '../../../projector/src/config';

/** What every dlq command needs: the projector's configuration (same variables), Kafka, the letters and the ledger. */
export interface DlqContext {
  config: ProjectorConfig;
  kafka: Kafka;
  letters: KafkaDeadLetterSource;
  ledger: KafkaResendLedger;
  log: WorkerLog;
  close(): Promise<void>;
}

export async function openDlqContext(env: Record<string, string | undefined>, options: { beforeCommit?: () => Promise<void> } = {}): Promise<DlqContext> {
  // Every projection: a letter may come from any of them (their engines are only reached by a resend).
  const config = projectorConfigFromEnv({ ...env, SHARDLINE_PROJECTIONS: PROJECTION_NAMES.join(',') });
  // Logs go to stderr: stdout carries the answer (text or JSON).
  const logger = pino({ name: 'shardline-dlq', level: config.logLevel }, pino.destination(2));
  const log: WorkerLog = (level, message, extra = {}) => logger[level](extra, message);
  const kafka = createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-dlq` }, (level, message, extra) => (level === 'error' || level === 'warn' ? log('warn', message, extra) : undefined));
  const ledger = new KafkaResendLedger(kafka, { deadLetterTopic: config.topics.deadLetter, beforeCommit: options.beforeCommit });
  // The ledger: one partition, created on first use, keeping entries as long as the letters (the
  // dead-letter topic's own retention when it has one already).
  const retentionMs = (await topicRetentionMs(kafka, config.topics.deadLetter)) ?? DEAD_LETTER_RETENTION_MS;
  const configEntries = { 'retention.ms': String(retentionMs) };
  await ensureTopics(kafka, [
    { topic: config.topics.deadLetter, numPartitions: 1, configEntries },
    { topic: ledger.ledgerTopic, numPartitions: 1, configEntries },
  ]);
  return {
    config,
    kafka,
    letters: new KafkaDeadLetterSource(kafka, config.topics.deadLetter),
    ledger,
    log,
    close: () => ledger.close(),
  };
}

/** The topic's retention as the broker applies it (retention.ms; -1 = forever). */
export async function topicRetentionMs(kafka: Kafka, topic: string): Promise<number | null> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
    const value = resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
    return value === undefined ? null : Number(value);
  } catch {
    return null; // no such topic yet, or no right to describe it
  } finally {
    await admin.disconnect();
  }
}
