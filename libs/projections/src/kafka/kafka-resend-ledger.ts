import type { Kafka, Producer } from 'kafkajs';
import { ShardlineError } from '@shardline/errors';
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
    try {
      const at = new Date((this.options.now ?? Date.now)());
      if (rejectedAgain.length > 0) {
        await transaction.send({ topic: this.options.deadLetterTopic, acks: -1, messages: rejectedAgain.map(({ projection, letter }) => deadLetterMessage(letter, projection, at)) });
      }
      await transaction.send({ topic: this.ledgerTopic, acks: -1, messages: entries.map((entry) => ({ key: entry.letter, value: JSON.stringify(entry) })) });
      await this.options.beforeCommit?.();
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      if (isFencing(error)) throw (this.fenced = new ResendFencedError(error));
      // A fresh producer for the retry (same transactional id: it picks up where this one stopped).
      await this.close();
      throw error;
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
