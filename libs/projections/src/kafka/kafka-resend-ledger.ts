import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Producer, RecordMetadata } from 'kafkajs';
import { ShardlineError, UnavailableError } from '@shardline/errors';
import type { DeadLetter } from '../apply/dead-letter.port';
import type { ResendEntry, ResendLedger } from '../dead-letters/resend-ledger.port';
import { deadLetterMessage } from './kafka-dead-letter.publisher';
import { scanTopic } from './kafka-topic-scanner';
import { connected } from './connected';

/** The ledger of resend runs beside a dead-letter topic: `<dlq>.resends` (one partition, same retention as the letters). */
export function resendLedgerTopic(deadLetterTopic: string): string {
  return `${deadLetterTopic}.resends`;
}

/** Another resend run of the same dead-letter topic started and took over: this one must stop. */
export class ResendFencedError extends ShardlineError {
  readonly code = 'DLQ.RESEND_FENCED';
  readonly kind = 'conflict';
  constructor(cause: unknown) {
    super('another dlq resend of this dead-letter topic started and fenced this one off: it stops here (what it recorded stays recorded)', { cause });
  }
}

export interface KafkaResendLedgerOptions {
  deadLetterTopic: string;
  /** Default resendLedgerTopic(deadLetterTopic). */
  ledgerTopic?: string;
  now?: () => number;
  /** Test hook: runs inside the transaction, after its writes, before the commit (a crash there). */
  beforeCommit?: () => Promise<void>;
  /** How long record() waits for its commit to become readable (default 30 s). */
  visibleWithinMs?: number;
}

/**
 * The resend ledger on Kafka. record() is ONE Kafka transaction: the letters rejected again go to
 * the dead-letter topic and the entries to the ledger topic, committed together; readers read
 * committed, so an interrupted run leaves neither. The transactional id is one per dead-letter
 * topic: open() fences off any earlier run (its open transaction is aborted by the broker at once,
 * and it can commit nothing more), so two runs never settle the same letters twice.
 */
export class KafkaResendLedger implements ResendLedger {
  private producer?: Producer;
  private fenced?: ResendFencedError;
  readonly ledgerTopic: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaResendLedgerOptions,
  ) {
    this.ledgerTopic = options.ledgerTopic ?? resendLedgerTopic(options.deadLetterTopic);
  }

  /** Takes the resend role for this dead-letter topic; call before reading anything. */
  async open(): Promise<void> {
    const producer = await this.connectedProducer();
    // The first transaction registers the transactional id: the broker aborts a crashed run's open transaction now.
    await (await producer.transaction()).abort();
  }

  async entries(): Promise<ReadonlyMap<string, ResendEntry>> {
    const entries = new Map<string, ResendEntry>();
    await scanTopic(
      this.kafka,
      this.ledgerTopic,
      async (_partition, messages) => {
        for (const m of messages) {
          const entry = parseEntry(m.value);
          if (entry) entries.set(entry.letter, entry);
        }
      },
      { label: 'shardline-dlq-ledger-reader' },
    );
    return entries;
  }

  async record(rejectedAgain: ReadonlyArray<{ projection: string; letter: DeadLetter }>, entries: readonly ResendEntry[]): Promise<void> {
    if (this.fenced) throw this.fenced;
    const producer = await this.connectedProducer();
    const transaction = await producer.transaction();
    const written: RecordMetadata[] = [];
    try {
      const at = new Date((this.options.now ?? Date.now)());
      if (rejectedAgain.length > 0) {
        written.push(...(await transaction.send({ topic: this.options.deadLetterTopic, acks: -1, messages: rejectedAgain.map(({ projection, letter }) => deadLetterMessage(letter, projection, at)) })));
      }
      written.push(...(await transaction.send({ topic: this.ledgerTopic, acks: -1, messages: entries.map((entry) => ({ key: entry.letter, value: JSON.stringify(entry) })) })));
      await this.options.beforeCommit?.();
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      if (isFencing(error)) throw (this.fenced = new ResendFencedError(error));
      // A fresh producer for the retry (same transactional id: it picks up where this one stopped).
      await this.close();
      throw error;
    }
    await this.untilReadable(written);
  }

  /**
   * The broker answers a commit once it is decided, and writes its markers into the partitions
   * afterwards: until then the partitions' last stable offset stays before the transaction, and
   * read-committed readers (entries(), `dlq list`) stop short of it. So record() returns only when
   * every partition it wrote has its stable offset past what it wrote: what it recorded, the next
   * read sees. The commit itself is durable either way; a broker that never writes the markers
   * stops the run (a rerun reads the ledger and settles nothing twice).
   */
  private async untilReadable(written: readonly RecordMetadata[]): Promise<void> {
    const admin = await connected(this.kafka.admin());
    try {
      const withinMs = this.options.visibleWithinMs ?? 30_000;
      const deadline = Date.now() + withinMs;
      let pending = [...written];
      while (pending.length > 0) {
        const stable = new Map<string, bigint>();
        for (const topic of new Set(pending.map((w) => w.topicName))) {
          // kafkajs' admin lists offsets read committed: `high` is the last stable offset.
          for (const o of await admin.fetchTopicOffsets(topic)) stable.set(`${topic}:${o.partition}`, BigInt(o.high));
        }
        pending = pending.filter((w) => (stable.get(`${w.topicName}:${w.partition}`) ?? 0n) <= BigInt(w.baseOffset ?? '0'));
        if (pending.length === 0) return;
        if (Date.now() > deadline) {
          throw new UnavailableError('DLQ.LEDGER_NOT_READABLE', `the resend ledger's commit is not readable after ${withinMs} ms (${pending.map((w) => `${w.topicName}:${w.partition}`).join(', ')})`);
        }
        await sleep(10);
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => {});
  }

  private async connectedProducer(): Promise<Producer> {
    this.producer ??= await connected(
      this.kafka.producer({ transactionalId: `shardline-dlq-resend-${this.options.deadLetterTopic}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000 }),
    );
    return this.producer;
  }
}

function parseEntry(value: Buffer | null): ResendEntry | null {
  try {
    const e = JSON.parse(value?.toString('utf8') ?? '') as Partial<ResendEntry>;
    return typeof e.letter === 'string' && typeof e.run === 'string' && (e.outcome === 'applied' || e.outcome === 'rejected-again') ? (e as ResendEntry) : null;
  } catch {
    return null;
  }
}

/** INVALID_PRODUCER_EPOCH (PRODUCER_FENCED on newer brokers), anywhere in the cause chain. */
function isFencing(error: unknown): boolean {
  for (let e = error as { type?: string; name?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED' || /fenced/i.test(e.name ?? '')) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
