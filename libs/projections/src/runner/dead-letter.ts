import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** Header names of a dead-lettered message; values are strings. */
export const DLQ_HEADERS = {
  reason: 'x-shardline-error',
  kind: 'x-shardline-error-kind',
  projection: 'x-shardline-projection',
  sourceTopic: 'x-shardline-source-topic',
  sourcePartition: 'x-shardline-source-partition',
  sourceOffset: 'x-shardline-source-offset',
  failedAt: 'x-shardline-failed-at',
} as const;

/** decode: the bytes are not a valid envelope; rejected: a valid envelope the read model refused. */
export type DeadLetterKind = 'decode' | 'rejected';

export interface DeadLetter {
  message: KafkaMessage;
  kind: DeadLetterKind;
  reason: string;
}

/**
 * The dead-letter copy of a message: the ORIGINAL key and value bytes (so it can be replayed to the
 * source topic as it was once the cause is fixed), the original headers, and ours describing the
 * failure and where the message came from.
 */
export function deadLetterMessage(letter: DeadLetter, source: { projection: string; topic: string; partition: number }, now: Date): Message {
  const headers: IHeaders = { ...(letter.message.headers ?? {}) };
  headers[DLQ_HEADERS.reason] = truncate(letter.reason, 4000);
  headers[DLQ_HEADERS.kind] = letter.kind;
  headers[DLQ_HEADERS.projection] = source.projection;
  headers[DLQ_HEADERS.sourceTopic] = source.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(source.partition);
  headers[DLQ_HEADERS.sourceOffset] = letter.message.offset;
  headers[DLQ_HEADERS.failedAt] = now.toISOString();
  return { key: letter.message.key, value: letter.message.value, headers };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
