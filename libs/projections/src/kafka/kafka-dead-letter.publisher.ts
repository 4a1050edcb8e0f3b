import { Partitioners, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import { UnavailableError } from '@shardline/errors';
import type { DeadLetter, DeadLetterPublisher } from '../apply/dead-letter.port';
import { deadLetterHeaders, DLQ_HEADERS } from '../dead-letters/dead-letter-headers';
import { connected } from './connected';

// Defined beside the driver-free reader of the letters; kept importable from here.
export { DLQ_HEADERS };

/**
 * Sends dead letters to the dead-letter topic with an idempotent producer (a retried send never
 * duplicates a letter), acks=all: publish() resolves once the broker has every one of them.
 */
export class KafkaDeadLetterPublisher implements DeadLetterPublisher {
  private producer?: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly now: () => number = Date.now,
  ) {}

  async connect(): Promise<void> {
    this.producer ??= await connected(this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }));
  }

  async publish(projection: string, letters: readonly DeadLetter[]): Promise<void> {
    if (!this.producer) throw new UnavailableError('PROJECTION.DLQ_NOT_CONNECTED', `dead-letter producer of ${projection} is not connected`);
    const at = new Date(this.now());
    await this.producer.send({ topic: this.topic, acks: -1, messages: letters.map((letter) => deadLetterMessage(letter, projection, at)) });
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => {});
  }
}

/**
 * The dead-letter copy of a message: the ORIGINAL key and value bytes (so it can be replayed to the
 * source topic as it was once the cause is fixed), the original headers, and ours describing the
 * failure and where the message came from (deadLetterHeaders).
 */
export function deadLetterMessage(letter: DeadLetter, projection: string, now: Date): Message {
  return { key: letter.message.key, value: letter.message.value, headers: deadLetterHeaders(letter, projection, now) as IHeaders };
}
