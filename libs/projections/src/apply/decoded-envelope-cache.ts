import { decodeEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import type { SourceMessage } from './source-message';

export interface DecodedEnvelopeCacheOptions {
  /** Messages kept at most (oldest dropped first). 0 disables the cache. */
  maxEntries: number;
  /** Bytes of message values kept at most (an entry holds its value and about twice that decoded and opened). */
  maxBytes: number;
  /**
   * Consumer groups sharing the cache: an entry is dropped once the others (consumers - 1) used it,
   * so while the groups run close together the cache holds only the gap between them.
   */
  consumers: number;
}

interface Entry {
  /** The message's bytes: a hit needs the same bytes at the same position (a re-created topic is another message). */
  value: Buffer;
  envelope: RecordEventEnvelope;
  usesLeft: number;
}

/** The envelope opened once, and the key it was opened with. */
interface OpenedWith {
  key: Buffer;
  event: RecordEventEnvelope;
}

/**
 * Decodes and opens each message of records.events once per process rather than once per consumer
 * group: the projector's groups (one per read model) read the same messages a moment apart, and the
 * decode and the AES-GCM open were a quarter of its CPU, paid twice (bench/pipeline/README.md).
 *
 * Two memos, neither of which correctness depends on (a miss does what no cache would do):
 * - decode: by source position (topic, partition, offset) AND the same value bytes, the decoded
 *   (still sealed) envelope; bounded by entries and bytes, oldest dropped first, and dropped once
 *   every other group used it;
 * - open: per decoded envelope, the opened event and the data key it was opened with. It is served
 *   only to a lookup that found the SAME key for the user in this attempt (openEnvelopes asks the
 *   key lookup for every chunk as before). So it lives no longer than the key does in the lookup
 *   (CachedUserKeys: TTL, or the erasure count): once the lookup answers null for an erased user,
 *   the cached content is never served and the event opens as its erasure, exactly as without the
 *   cache. Held weakly by the decoded envelope: it goes with the decode entry (or the last chunk
 *   holding it).
 *
 * Both groups get the same objects: sinks must not modify the events they are given (none does).
 * Poison (undecodable, unopenable) is never cached. Single-threaded: no locking needed.
 */
export class DecodedEnvelopeCache {
  private readonly entries = new Map<string, Entry>();
  private readonly opened = new WeakMap<RecordEventEnvelope, OpenedWith>();
  private bytes = 0;
  /** Counters for tests and the micro-benchmark. */
  readonly stats = { decodeHits: 0, decodeMisses: 0, openHits: 0, openMisses: 0 };

  constructor(private readonly options: DecodedEnvelopeCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** decodeEnvelope(message.value), from the cache when another group decoded these bytes at this position. Throws like it for poison. */
  decode(message: SourceMessage): RecordEventEnvelope {
    const { value } = message;
    if (!value || this.options.maxEntries <= 0) return decodeEnvelope(value);
    const id = positionKey(message);
    const entry = this.entries.get(id);
    if (entry && entry.value.length === value.length && entry.value.equals(value)) {
      this.stats.decodeHits += 1;
      if (--entry.usesLeft <= 0) this.drop(id, entry);
      return entry.envelope;
    }
    this.stats.decodeMisses += 1;
    const envelope = decodeEnvelope(value);
    if (entry) this.drop(id, entry);
    if (this.options.consumers > 1 && value.length <= this.options.maxBytes) this.add(id, { value, envelope, usesLeft: this.options.consumers - 1 });
    return envelope;
  }

  /** The event `envelope` opened as with exactly this key, if it was opened here before. */
  openedWith(envelope: RecordEventEnvelope, key: Buffer): RecordEventEnvelope | undefined {
    const opened = this.opened.get(envelope);
    if (opened && (opened.key === key || opened.key.equals(key))) {
      this.stats.openHits += 1;
      return opened.event;
    }
    this.stats.openMisses += 1;
    return undefined;
  }

  rememberOpened(envelope: RecordEventEnvelope, key: Buffer, event: RecordEventEnvelope): void {
    if (this.options.consumers > 1 && this.options.maxEntries > 0) this.opened.set(envelope, { key, event });
  }

  /** Drops what `envelope` was opened as (its user's key is gone). */
  forgetOpened(envelope: RecordEventEnvelope): void {
    this.opened.delete(envelope);
  }

  private add(id: string, entry: Entry): void {
    this.entries.set(id, entry);
    this.bytes += entry.value.length;
    // Map iterates in insertion order: the first entries are the oldest.
    for (const [oldId, old] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes) break;
      this.drop(oldId, old);
    }
  }

  private drop(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.bytes -= entry.value.length;
  }
}

function positionKey({ position }: SourceMessage): string {
  return `${position.topic}\u0000${position.partition}\u0000${position.offset}`;
}
