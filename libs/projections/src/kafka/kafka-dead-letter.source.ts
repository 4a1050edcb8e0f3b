import type { Kafka, KafkaMessage } from 'kafkajs';
import type { DeadLetterSource } from '../dead-letters/dead-letter-source.port';
import { parseLetterId, storedDeadLetterOf, type StoredDeadLetter } from '../dead-letters/stored-dead-letter';
import { scanTopic } from './kafka-topic-scanner';

/** The dead-letter topic (records.events.dlq) read back, read committed. */
export class KafkaDeadLetterSource implements DeadLetterSource {
  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly options: { idleTimeoutMs?: number } = {},
  ) {}

  async scan(visit: (letters: StoredDeadLetter[], keepAlive: () => Promise<void>) => Promise<void>): Promise<{ complete: boolean }> {
    const { complete } = await scanTopic(this.kafka, this.topic, (partition, messages, keepAlive) => visit(messages.map((m) => letterOf(partition, m)), keepAlive), {
      label: 'shardline-dlq-reader',
      idleTimeoutMs: this.options.idleTimeoutMs,
    });
    return { complete };
  }

  async read(id: string): Promise<StoredDeadLetter | { missing: string }> {
    const at = parseLetterId(id);
    if (!at) return { missing: `${JSON.stringify(id)} is not a letter id (<dlq partition>:<offset>, as dlq list shows them)` };
    let found: StoredDeadLetter | undefined;
    const { watermarks } = await scanTopic(
      this.kafka,
      this.topic,
      async (partition, messages) => {
        const m = messages.find((message) => BigInt(message.offset) === at.offset);
        if (m) found = letterOf(partition, m);
      },
      {
        label: 'shardline-dlq-reader',
        idleTimeoutMs: this.options.idleTimeoutMs,
        select: (partition, low, high) => (partition === at.partition && at.offset >= low && at.offset < high ? { start: at.offset, end: at.offset + 1n } : null),
      },
    );
    if (found) return found;
    const range = watermarks.get(at.partition);
    if (!range) return { missing: `${this.topic} has no partition ${at.partition}` };
    if (at.offset < range.low) return { missing: `expired: partition ${at.partition} of ${this.topic} now starts at offset ${range.low} (retention)` };
    if (at.offset >= range.high) return { missing: `no such letter: partition ${at.partition} of ${this.topic} ends at offset ${range.high}` };
    return { missing: `offset ${at.offset} holds no letter (a transaction marker, or a write of an aborted resend)` };
  }
}

function letterOf(partition: number, m: KafkaMessage): StoredDeadLetter {
  return storedDeadLetterOf({ partition, offset: m.offset, timestamp: m.timestamp, key: m.key ?? null, value: m.value ?? null, headers: m.headers ?? {} });
}
