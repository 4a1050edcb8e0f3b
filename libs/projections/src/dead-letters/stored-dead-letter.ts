import type { DeadLetterKind } from '../apply/dead-letter.port';
import type { MessageHeaders, SourceMessage, SourcePosition } from '../apply/source-message';
import { DLQ_HEADERS, isDeadLetterHeader } from './dead-letter-headers';

/** A message as read back from the dead-letter topic, before its headers are interpreted. */
export interface DeadLetterTopicMessage {
  partition: number;
  offset: string;
  /** Broker timestamp (ms since the epoch, as a decimal string). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
}

/**
 * A dead letter as it sits in the dead-letter topic. Its id is its place there,
 * `<dlq partition>:<offset>`: stable for as long as the topic retains it, short enough to copy.
 */
export interface StoredDeadLetter {
  id: string;
  partition: number;
  offset: string;
  /** When the broker stored it (ISO 8601). */
  storedAt: string;
  /** The projection that gave up on it (`elasticsearch`, `clickhouse`, a rebuild's `elasticsearch-rebuild-<id>`). */
  projection: string;
  /** `unknown` for a message on the topic that no projection wrote (missing or foreign header). */
  kind: DeadLetterKind | 'unknown';
  reason: string;
  /** Where the original message came from: a topic partition and offset, or a shard's event table for a rebuild's replay. */
  source: SourcePosition | null;
  failedAt: string | null;
  /** The letter this one replaces: a resend delivered that one again and the projection rejected it again. */
  resendOf: string | null;
  resendRun: string | null;
  /** The ORIGINAL message: key and value bytes, and its own headers (ours taken out). */
  key: Buffer | null;
  value: Buffer | null;
  originalHeaders: Record<string, string>;
  /** Every header, ours included, as text. */
  headers: Record<string, string>;
}

export function letterId(partition: number, offset: string | bigint): string {
  return `${partition}:${offset}`;
}

const LETTER_ID = /^(\d{1,9}):(\d{1,19})$/;

/** `<partition>:<offset>` → its parts; null for anything else. */
export function parseLetterId(id: string): { partition: number; offset: bigint } | null {
  const m = LETTER_ID.exec(id.trim());
  return m ? { partition: Number(m[1]), offset: BigInt(m[2]) } : null;
}

export function storedDeadLetterOf(message: DeadLetterTopicMessage): StoredDeadLetter {
  const headers = headersAsText(message.headers);
  const header = (name: string): string | null => headers[name] ?? null;
  const kind = header(DLQ_HEADERS.kind);
  return {
    id: letterId(message.partition, message.offset),
    partition: message.partition,
    offset: message.offset,
    storedAt: isoOf(message.timestamp),
    projection: header(DLQ_HEADERS.projection) ?? '(none)',
    kind: kind === 'decode' || kind === 'rejected' ? kind : 'unknown',
    reason: header(DLQ_HEADERS.reason) ?? '',
    source: sourceOf(header(DLQ_HEADERS.sourceTopic), header(DLQ_HEADERS.sourcePartition), header(DLQ_HEADERS.sourceOffset)),
    failedAt: header(DLQ_HEADERS.failedAt),
    resendOf: header(DLQ_HEADERS.resendOf),
    resendRun: header(DLQ_HEADERS.resendRun),
    key: message.key,
    value: message.value,
    originalHeaders: Object.fromEntries(Object.entries(headers).filter(([name]) => !isDeadLetterHeader(name))),
    headers,
  };
}

/**
 * The original message again, to be delivered once more: its bytes and own headers, its original
 * source position (so a letter rejected again still names where the event came from), and the
 * resend headers naming the letter it comes from and the run.
 */
export function redeliveryOf(letter: StoredDeadLetter, run: string): SourceMessage {
  return {
    key: letter.key,
    value: letter.value,
    headers: { ...letter.originalHeaders, [DLQ_HEADERS.resendOf]: letter.id, [DLQ_HEADERS.resendRun]: run },
    position: letter.source ?? { topic: '(unknown source)', partition: letter.partition, offset: letter.offset },
  };
}

function headersAsText(headers: MessageHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}

function sourceOf(topic: string | null, partition: string | null, offset: string | null): SourcePosition | null {
  if (topic === null || partition === null || offset === null || !/^\d+$/.test(partition)) return null;
  return { topic, partition: Number(partition), offset };
}

function isoOf(timestamp: string): string {
  const ms = Number(timestamp);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : timestamp;
}
