import type { SourceMessage } from './source-message';

/** decode: the bytes are not a valid envelope; rejected: a valid envelope the read model refused. */
export type DeadLetterKind = 'decode' | 'rejected';

/** A message the projection gives up on: the message as delivered (bytes, headers, position), and why. */
export interface DeadLetter {
  message: SourceMessage;
  kind: DeadLetterKind;
  reason: string;
}

/**
 * Where dead letters go (records.events.dlq). Resolves only once every letter is durably accepted
 * (the projection acknowledges the chunk's source position after that, never before); rejects
 * otherwise, and the same letters are published again (at least once).
 */
export interface DeadLetterPublisher {
  publish(projection: string, letters: readonly DeadLetter[]): Promise<void>;
}
