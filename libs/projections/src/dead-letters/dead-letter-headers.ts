import type { DeadLetter } from '../apply/dead-letter.port';
import type { MessageHeaders } from '../apply/source-message';

/**
 * Header names of a dead-lettered message on records.events.dlq (values are strings). The
 * publisher writes them next to the original message's own headers; `dlq` reads them back.
 */
export const DLQ_HEADERS = {
  reason: 'x-shardline-error',
  kind: 'x-shardline-error-kind',
  projection: 'x-shardline-projection',
  sourceTopic: 'x-shardline-source-topic',
  sourcePartition: 'x-shardline-source-partition',
  sourceOffset: 'x-shardline-source-offset',
  failedAt: 'x-shardline-failed-at',
  /** Set on a letter that a resend delivered again and the projection rejected again: the id of the letter it replaces. */
  resendOf: 'x-shardline-resend-of',
  /** The resend run that produced this letter (with resendOf). */
  resendRun: 'x-shardline-resend-run',
} as const;

const OURS: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));

/** True for a header the dead-letter machinery wrote (not one the original message carried). */
export function isDeadLetterHeader(name: string): boolean {
  return OURS.has(name);
}

/**
 * The headers of a dead letter: the original message's own headers, and ours describing the
 * failure and where the message came from (a reason is cut at 4,000 characters).
 */
export function deadLetterHeaders(letter: DeadLetter, projection: string, now: Date): MessageHeaders {
  const { message } = letter;
  return {
    ...message.headers,
    [DLQ_HEADERS.reason]: truncate(letter.reason, 4000),
    [DLQ_HEADERS.kind]: letter.kind,
    [DLQ_HEADERS.projection]: projection,
    [DLQ_HEADERS.sourceTopic]: message.position.topic,
    [DLQ_HEADERS.sourcePartition]: String(message.position.partition),
    [DLQ_HEADERS.sourceOffset]: message.position.offset,
    [DLQ_HEADERS.failedAt]: now.toISOString(),
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
