import { UnavailableError } from '@shardline/errors';
import type { DeadLetter, DeadLetterPublisher } from '../apply/dead-letter.port';
import { deadLetterHeaders } from '../dead-letters/dead-letter-headers';
import type { DeadLetterSource } from '../dead-letters/dead-letter-source.port';
import type { ResendEntry, ResendLedger } from '../dead-letters/resend-ledger.port';
import { parseLetterId, storedDeadLetterOf, type DeadLetterTopicMessage, type StoredDeadLetter } from '../dead-letters/stored-dead-letter';

/** A one-partition dead-letter topic in memory: the projections publish to it, `dlq` reads it back. */
export class InMemoryDeadLetterTopic implements DeadLetterPublisher, DeadLetterSource {
  readonly messages: DeadLetterTopicMessage[] = [];
  /** Offsets below this were removed by retention. */
  low = 0;

  async publish(projection: string, letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      this.messages.push({
        partition: 0,
        offset: String(this.messages.length),
        timestamp: String(Date.UTC(2030, 0, 1, 0, 0, this.messages.length)),
        key: toBuffer(letter.message.key),
        value: letter.message.value,
        headers: deadLetterHeaders(letter, projection, new Date(Date.UTC(2030, 0, 1))),
      });
    }
  }

  letters(): StoredDeadLetter[] {
    return this.messages.slice(this.low).map(storedDeadLetterOf);
  }

  async scan(visit: (letters: StoredDeadLetter[], keepAlive: () => Promise<void>) => Promise<void>): Promise<{ complete: boolean }> {
    // As the topic is now: what the visit itself appends (letters rejected again) is for the next scan.
    const letters = this.letters();
    for (let i = 0; i < letters.length; i += 2) await visit(letters.slice(i, i + 2), async () => {});
    return { complete: true };
  }

  async read(id: string): Promise<StoredDeadLetter | { missing: string }> {
    const at = parseLetterId(id);
    const letter = at && at.partition === 0 ? this.letters().find((l) => BigInt(l.offset) === at.offset) : undefined;
    return letter ?? { missing: `no letter ${id}` };
  }
}

/**
 * The resend ledger in memory, writing letters rejected again to `topic` in the same step as the
 * entries (atomic, like the Kafka transaction). `crashes`: the next records fail before anything is
 * written (a run killed between the apply and the record).
 */
export class InMemoryResendLedger implements ResendLedger {
  readonly recorded: ResendEntry[] = [];
  crashes = 0;

  constructor(private readonly topic: InMemoryDeadLetterTopic) {}

  async entries(): Promise<ReadonlyMap<string, ResendEntry>> {
    return new Map(this.recorded.map((e) => [e.letter, e]));
  }

  async record(rejectedAgain: ReadonlyArray<{ projection: string; letter: DeadLetter }>, entries: readonly ResendEntry[]): Promise<void> {
    if (this.crashes > 0) {
      this.crashes -= 1;
      throw new UnavailableError('MEMORY.CRASH', 'killed before the record');
    }
    for (const { projection, letter } of rejectedAgain) await this.topic.publish(projection, [letter]);
    this.recorded.push(...entries);
  }
}

function toBuffer(key: Buffer | string | null): Buffer | null {
  return key === null ? null : Buffer.isBuffer(key) ? key : Buffer.from(key);
}
