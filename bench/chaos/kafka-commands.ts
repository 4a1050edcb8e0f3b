import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { Answer } from './careful-client';

/**
 * A client of the Kafka command intake: sends a command message (key = business_id) and waits for
 * its result on the results topic, matched by command_id. A send that fails or a result that does
 * not come within the attempt timeout is an attempt without an answer: the caller re-sends the same
 * message (same command_id), as a careful client does.
 */
export class KafkaCommands {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private readonly waiting = new Map<string, (a: Answer) => void>();
  private stopped = false;

  constructor(
    brokers: string,
    private readonly topics: { commands: string; results: string },
    private readonly groupId: string,
  ) {
    this.kafka = new Kafka({ clientId: 'soak-client', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 200 } });
  }

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: false, retry: { retries: 1 } });
    await this.producer.connect();
    await this.runConsumer();
  }

  private async runConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100, retry: { retries: 1000, initialRetryTime: 300, maxRetryTime: 3000 } });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      // A crash it will not restart from by itself (Kafka down too long): start a new consumer.
      if (!event.payload.restart && !this.stopped) setTimeout(() => void this.restartConsumer(consumer), 1000);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topics.results, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(message.value?.toString() ?? 'null');
        const id: string | undefined = value?.command_id ?? message.headers?.command_id?.toString();
        const resolve = id ? this.waiting.get(id) : undefined;
        if (!resolve) return;
        this.waiting.delete(id!);
        resolve({ status: value.http_status, body: value.status === 'ok' ? value.result : value, code: value.error?.code, replayed: value.replayed });
      },
    });
  }

  private async restartConsumer(old: Consumer): Promise<void> {
    await old.disconnect().catch(() => undefined);
    while (!this.stopped) {
      try {
        await this.runConsumer();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  /** One attempt: send, then wait for the result (throws 'timeout' or the send error). */
  async attempt(message: Record<string, unknown> & { command_id: string; business_id?: string }, key: string, timeoutMs: number): Promise<Answer> {
    const result = new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(message.command_id);
        reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
      }, timeoutMs);
      this.waiting.set(message.command_id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    try {
      await this.producer!.send({ topic: this.topics.commands, messages: [{ key, value: JSON.stringify(message) }] });
    } catch (e) {
      this.waiting.delete(message.command_id);
      result.catch(() => undefined);
      throw e;
    }
    return result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.producer?.disconnect().catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
