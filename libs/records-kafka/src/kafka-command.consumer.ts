import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import { ensureTopics } from '@shardline/kafka';
import type { Worker, WorkerLog } from '@shardline/worker';
import { publishCommandResult } from './command-result.publisher';
import type { RecordCommandIntake } from './record-command.intake';

export interface CommandTopics {
  commands: string;
  results: string;
}

export interface KafkaCommandConsumerOptions {
  kafka: Kafka;
  topics: CommandTopics;
  groupId: string;
  /** Partition counts of the two topics when they have to be created. */
  partitions: { commands: number; results: number };
  /** Topic configuration (retention) set when the topics are created. */
  topicConfig?: { commands?: Readonly<Record<string, string>>; results?: Readonly<Record<string, string>> };
  registry?: Registry;
  log?: WorkerLog;
  /** Called when kafkajs gave up on the consumer (crash with restart=false): the owner prepares and starts it again. */
  onFailed?: (error: unknown) => void;
}

type ConsumerState = 'created' | 'prepared' | 'running' | 'failed' | 'stopped';

/**
 * The commands topic → RecordCommandIntake → the results topic, on a plain kafkajs consumer and
 * producer, as a Worker run by WorkerLifecycle: Kafka down at start delays consuming (prepare is
 * retried with capped backoff) instead of ending the process, which the Nest Kafka transport did
 * (its listen() rejects after kafkajs' 5 connection retries, and a consumer kafkajs gave up on
 * stays dead). Offsets are committed (autoCommit) only after a message's handler resolved, i.e.
 * after its result was acknowledged; a crash before that redelivers the command, and its
 * command_id makes the redelivery a replay.
 */
export class KafkaCommandConsumer implements Worker {
  readonly name = 'command-intake';
  private consumer?: Consumer;
  private producer?: Producer;
  private state: ConsumerState = 'created';
  private joined = false;
  private readonly handled: Counter<'type' | 'status'>;

  constructor(
    private readonly intake: RecordCommandIntake,
    private readonly options: KafkaCommandConsumerOptions,
  ) {
    this.handled = new Counter({
      name: 'shardline_kafka_commands_total',
      help: 'Commands taken from the commands topic, by type and result status',
      labelNames: ['type', 'status'],
      registers: options.registry ? [options.registry] : [],
    });
  }

  /** Topics, producer, consumer group subscription; a failed or crashed consumer is closed first. Idempotent. */
  async prepare(): Promise<void> {
    if (this.state === 'prepared' || this.state === 'running' || this.state === 'stopped') return;
    await this.disconnect();
    const { kafka, topics, partitions, groupId } = this.options;
    try {
      await ensureTopics(kafka, [
        { topic: topics.commands, numPartitions: partitions.commands, configEntries: this.options.topicConfig?.commands },
        { topic: topics.results, numPartitions: partitions.results, configEntries: this.options.topicConfig?.results },
      ]);
      // Results keyed by business_id land like the Java client would place them (murmur2).
      this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
      const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
      this.consumer = consumer;
      consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
      consumer.on(consumer.events.CRASH, ({ payload }) => this.crashed(consumer, payload.restart, payload.error));
      await consumer.connect();
      // A new group starts at the beginning: replays are harmless (command ids), skipped commands are not.
      await consumer.subscribe({ topic: topics.commands, fromBeginning: true });
    } catch (error) {
      await this.disconnect();
      throw error;
    }
    this.state = 'prepared';
  }

  async start(): Promise<void> {
    if (this.state !== 'prepared') throw new Error(`command intake consumer is ${this.state}`);
    await this.consumer!.run({ autoCommit: true, eachMessage: ({ topic, partition, message }) => this.onMessage(topic, partition, message) });
    this.state = 'running';
  }

  /** Ready = consuming as a member of the group (not crashed, not stopped). */
  isReady(): boolean {
    return this.state === 'running' && this.joined;
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await this.disconnect();
  }

  private async onMessage(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const out = await this.intake.handle({
      value: message.value,
      key: message.key?.toString('utf8') ?? null,
      authorization: headerText(message.headers?.authorization),
      source: { topic, partition, offset: message.offset },
    });
    await publishCommandResult(this.producer!, this.options.topics.results, out);
    this.handled.inc({ type: out.type ?? 'invalid', status: out.result.status });
  }

  private crashed(consumer: Consumer, restart: boolean, error: unknown): void {
    if (consumer !== this.consumer) return; // an earlier generation's late event
    this.joined = false;
    this.log(restart ? 'warn' : 'error', `command intake consumer crashed${restart ? ', kafkajs restarts it' : '; preparing it again'}`, { error: String(error) });
    if (restart || this.state === 'stopped') return;
    this.state = 'failed';
    this.options.onFailed?.(error);
  }

  private async disconnect(): Promise<void> {
    const { consumer, producer } = this;
    this.consumer = undefined;
    this.producer = undefined;
    this.joined = false;
    await consumer?.disconnect().catch((error) => this.log('warn', 'command intake consumer disconnect failed', { error: String(error) }));
    await producer?.disconnect().catch((error) => this.log('warn', 'command intake producer disconnect failed', { error: String(error) }));
  }

  private log(level: 'error' | 'warn', message: string, extra: Record<string, unknown>): void {
    this.options.log?.(level, message, extra);
  }
}

/** A Kafka header value as text (kafkajs hands Buffers; a repeated header arrives as an array: refused as absent-or-bad). */
function headerText(value: unknown): string | null {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? 'repeated header' : null;
}
