import type { StoredEvent } from '@shardline/event-store';
import { decodeEnvelope, envelopeOf, type RecordEventEnvelope } from '@shardline/integration-events';

/**
 * JSONL of event envelopes: one line per event, each line the exact bytes the relay publishes to
 * `records.events` (envelopeOf + encodeEnvelope), so a file is a recording of the topic that any
 * consumer, projection or test can read back with the consumers' own decoder.
 */
export function jsonlLineOf(event: StoredEvent): string {
  // encodeEnvelope is Buffer.from(JSON.stringify(envelope)): the same text without the Buffer.
  return `${JSON.stringify(envelopeOf(event))}\n`;
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
export async function* envelopesOfJsonl(chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>): AsyncGenerator<RecordEventEnvelope> {
  for await (const { envelope } of numberedEnvelopesOfJsonl(chunks)) yield envelope;
}

/** envelopesOfJsonl with each envelope's line number (1-based), and its line as written (an import compares and names lines). */
export async function* numberedEnvelopesOfJsonl(chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>): AsyncGenerator<{ line: number; text: string; envelope: RecordEventEnvelope }> {
  let pending = '';
  let line = 0;
  const decode = (text: string) => {
    line++;
    if (text.trim() === '') return null;
    try {
      return { line, text, envelope: decodeEnvelope(text) };
    } catch (error) {
      throw new JsonlLineError(line, error);
    }
  };
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let start = 0;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const numbered = decode(pending.slice(start, newline));
      if (numbered) yield numbered;
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  const last = decode(pending);
  if (last) yield last;
}
