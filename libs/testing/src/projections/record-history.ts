import { randomUUID } from 'node:crypto';
import { firstIdAt } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';

let sequence = Math.floor(Math.random() * 2 ** 20);

/**
 * The envelopes of one record's life, as the relay publishes them: a Snowflake id minted at
 * `createdAt` (read models take the creation time from it), versions 1, 2, ... Times are yours to
 * give, so analytics answers (per UTC day) are known in advance.
 *
 *   const lamp = recordHistory({ business: 'acme', user: '7', at: '2026-01-05T10:00:00Z', content: { note: 'wombat lamp' } })
 *     .updated({ note: 'wombat lamp, blue' }, '2026-01-06T08:00:00Z')
 *     .deleted('2026-01-07T00:00:00Z');
 *   lamp.events  // RecordCreated v1, RecordUpdated v2, RecordDeleted v3
 */
export function recordHistory(start: { business: string; user?: string; at: string; content?: Record<string, unknown>; id?: string }): RecordHistory {
  return new RecordHistory(start.business, start.user ?? '1', start.at, start.content ?? {}, start.id);
}

export class RecordHistory {
  readonly id: string;
  readonly events: RecordEventEnvelope[] = [];
  private content: Record<string, unknown>;

  constructor(
    readonly business: string,
    readonly user: string,
    createdAt: string,
    content: Record<string, unknown>,
    id?: string,
    firstType: 'RecordCreated' | 'RecordMovedIn' = 'RecordCreated',
    movedFrom?: { business_id: string; id: string; version: number },
  ) {
    // Distinct ids in one millisecond: the low (worker, sequence) bits are this process's counter.
    this.id = id ?? (BigInt(firstIdAt(new Date(createdAt))) + BigInt(++sequence % 2 ** 22)).toString();
    this.content = content;
    this.push(firstType, createdAt, { data_content: content, created_time: createdAt, ...(movedFrom ? { moved_from: movedFrom } : {}) });
  }

  get version(): number {
    return this.events.length;
  }

  get currentContent(): Record<string, unknown> {
    return this.content;
  }

  /** Updated to `content` (RecordUpdated carries the whole merged content, as the write side sends it). */
  updated(content: Record<string, unknown>, at: string): this {
    this.content = content;
    this.push('RecordUpdated', at, { patch: content, data_content: content, updated_time: at });
    return this;
  }

  deleted(at: string): this {
    this.push('RecordDeleted', at, { deleted_time: at });
    return this;
  }

  /** Moved to `business`: this stream ends with RecordMovedOut, and the copy (returned) starts with RecordMovedIn. */
  movedTo(business: string, at: string): RecordHistory {
    const copy = new RecordHistory(business, this.user, at, this.content, undefined, 'RecordMovedIn', { business_id: this.business, id: this.id, version: this.version });
    this.push('RecordMovedOut', at, { moved_time: at, to: { business_id: business, id: copy.id } });
    return copy;
  }

  private push(type: string, at: string, data: Record<string, unknown>): void {
    const version = this.events.length + 1;
    this.events.push({
      envelope_version: 1,
      event_id: randomUUID(),
      event_type: type,
      schema_version: 1,
      stream_id: `record-${this.id}`,
      stream_version: version,
      shard: 0,
      position: String(version),
      business_id: this.business,
      user_id: this.user,
      record_id: this.id,
      occurred_at: new Date(at).toISOString(),
      command_id: randomUUID(),
      correlation_id: randomUUID(),
      causation_id: null,
      actor: null,
      data: { id: this.id, business_id: this.business, user_id: this.user, ...data },
    });
  }
}

/** A deterministic shuffle (the same seed, the same order), for delivering events out of order. */
export function shuffledWith<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
