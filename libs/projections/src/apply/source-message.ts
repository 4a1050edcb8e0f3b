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
}
