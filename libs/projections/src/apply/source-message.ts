import type { RecordEventEnvelope } from '@shardline/integration-events';

/** Where a message came from: a topic partition and offset, or for a replay a shard's event table and position. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

export type MessageHeaders = Readonly<Record<string, Buffer | string | Array<Buffer | string> | undefined>>;

/**
 * A message as its source delivered it, before decoding, with no broker type behind it: the
 * original key, value and headers travel unchanged into its dead letter, so it can be replayed to
 * the source as it was once the cause is fixed.
 */
export interface SourceMessage {
  key: Buffer | string | null;
  value: Buffer | null;
  headers: MessageHeaders;
  position: SourcePosition;
  /**
   * Set by a source that built the envelope itself (a replay of the event store): exactly what
   * decoding `value` gives, so applyChunk skips the decode (and the source may encode `value` only
   * when something reads it, i.e. for a dead letter). See asSourceMessage.
   */
  envelope?: RecordEventEnvelope;
}
