import { createHash } from 'node:crypto';
import type { RecordState } from '@shardline/records';

/**
 * A running count and checksum of one side of a move, pair by pair: position in the move, user and
 * data_content in a canonical JSON (keys sorted at every depth), so the sources and their copies
 * fingerprint alike exactly when every copy holds its source's content, whatever the key order the
 * database handed back.
 */
export class MoveFingerprinter {
  private readonly hash = createHash('sha256');
  private count = 0;

  add(position: number, record: RecordState): void {
    this.hash.update(`${position}\u0000${record.userId}\u0000${canonicalJson(record.dataContent)}\n`);
    this.count++;
  }

  result(): { count: number; checksum: string } {
    return { count: this.count, checksum: this.hash.copy().digest('hex') };
  }
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
