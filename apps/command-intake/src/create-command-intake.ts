import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Logger } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { topicSpecAs } from '@shardline/integration-events';
import { createKafka } from '@shardline/kafka';
import { METRICS_REGISTRY } from '@shardline/observability';
import { KafkaCommandConsumer, RecordCommandIntake } from '@shardline/records-kafka';
import { WorkerLifecycle, type WorkerLog } from '@shardline/worker';
import { CommandIntakeModule } from './app.module';
import { CommandIntakeConfig } from './config';

export interface CommandIntake {
  /** The Nest context (command handlers, pools, cache, sagas). */
  readonly context: INestApplicationContext;
  get: INestApplicationContext['get'];
  /** Starts consuming; resolves once consuming (retried with capped backoff while Kafka is unreachable), false when closed first. */
  listen(): Promise<boolean>;
  /** Consuming as a member of the group. */
  isReady(): boolean;
  /** Stop consuming first (the in-flight command finishes and its result is published), then pools close. */
  close(): Promise<void>;
}

/**
 * The command intake: a Nest application context (the same records command handlers and cache
 * invalidation as REST) fed by a KafkaCommandConsumer under a WorkerLifecycle, not a Nest Kafka
 * microservice: the Nest transport's listen() rejects when kafkajs gives up connecting (5 retries,
 * ~15 s), which ended the process when Kafka was down at start, and it never restarts a consumer
 * kafkajs gave up on. Here prepare (topics, producer, group) is retried with capped backoff, and a
 * consumer that crashed for good is prepared and started again under a new lifecycle.
 * `deps.kafka` lets tests route the broker connections elsewhere.
 */
export async function createCommandIntake(config: CommandIntakeConfig, deps: { kafka?: Kafka } = {}): Promise<CommandIntake> {
  const context = await NestFactory.createApplicationContext(CommandIntakeModule.forRoot(config), { bufferLogs: true });
  const logger = context.get(Logger);
  context.useLogger(logger);
  const log: WorkerLog = (level, message, extra = {}) => logger[level === 'info' ? 'log' : level === 'debug' ? 'debug' : level]({ ...extra, msg: message });
  const kafka = deps.kafka ?? createKafka(config.kafka, log);
  const commandsSpec = topicSpecAs('commands', config.topics.commands);
  const resultsSpec = topicSpecAs('commandResults', config.topics.results);
  const backoff = { initialMs: 200, maxMs: config.kafkaRetryMaxMs };
  let closing = false;
  const consumer: KafkaCommandConsumer = new KafkaCommandConsumer(context.get(RecordCommandIntake), {
    kafka,
    topics: config.topics,
    groupId: config.groupId,
    partitions: { commands: commandsSpec.numPartitions, results: resultsSpec.numPartitions },
    topicConfig: { commands: commandsSpec.configEntries, results: resultsSpec.configEntries },
    registry: context.get<Registry>(METRICS_REGISTRY),
    log,
    // A lifecycle runs once; a consumer kafkajs gave up on gets a new one (prepare closes the dead consumer).
    onFailed: () => {
      if (closing) return;
      lifecycle = new WorkerLifecycle(consumer, { backoff, log });
      void lifecycle.run();
    },
  });
  let lifecycle = new WorkerLifecycle(consumer, { backoff, log });

  let closed: Promise<void> | null = null;
  return {
    context,
    get: context.get.bind(context) as INestApplicationContext['get'],
    listen: () => lifecycle.run(),
    isReady: () => !closing && consumer.isReady(),
    close() {
      closed ??= (async () => {
        closing = true;
        await lifecycle.stop();
        await context.close();
      })();
      return closed;
    },
  };
}
