import type { StoredEvent } from '@shardline/event-store';
import { decodeEnvelope, encodeEnvelope, envelopeOf, type RecordEventEnvelope } from '@shardline/integration-events';

/**
 * JSONL of event envelopes: one line per event, each line the exact bytes the relay publishes to
 * `records.events` (envelopeOf + encodeEnvelope), so a file is a recording of the topic that any
 * consumer, projection or test can read back with the consumers' own decoder.
 */
export function jsonlLineOf(event: StoredEvent): string {
  return `${encodeEnvelope(envelopeOf(event)).toString('utf8')}\n`;
}

/** A line that is not an envelope: names the file line, so a bad recording explains itself. */
export class JsonlLineError extends Error {
  constructor(
    readonly line: number,
    cause: unknown,
  ) {
    super(`line ${line}: ${(cause as Error).message ?? String(cause)}`, { cause });
  }
}

/** Envelopes of a JSONL stream (chunks of any size), validated by the consumers' decoder; blank lines are skipped. */
export async function* envelopesOfJsonl(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<RecordEventEnvelope> {
  let pending = '';
  let line = 0;
  const decode = (text: string) => {
    line++;
    if (text.trim() === '') return null;
    try {
      return decodeEnvelope(text);
    } catch (error) {
      throw new JsonlLineError(line, error);
    }
  };
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const envelope = decode(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (envelope) yield envelope;
      newline = pending.indexOf('\n');
    }
  }
  const last = decode(pending);
  if (last) yield last;
}
