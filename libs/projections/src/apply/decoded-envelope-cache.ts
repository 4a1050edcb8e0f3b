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
  /**
   * Longest an entry is kept (ms; default: no limit): with the key cache's TTL, an opened event
   * stays in memory no longer than its key may (a group stalled on a read model down, on a quiet
   * topic, would otherwise keep the other group's last messages opened until new ones pushed them out).
   */
  maxAgeMs?: number;
}

/** One topic partition's entries by offset, and the furthest offset decoded in it so far. */
interface PartitionEntries {
  entries: Map<string, Entry>;
  furthest: number;
}

interface Entry {
  offset: string;
  partition: PartitionEntries;
  /** Out of the map (used up, replaced or evicted); still in the eviction queue until it reaches the head. */
  dropped: boolean;
  /** The message's bytes: a hit needs the same bytes at the same position (a re-created topic is another message). */
  value: Buffer;
  envelope: RecordEventEnvelope;
  usesLeft: number;
  /** On the cache's clock. */
  addedAt: number;
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
 *   (still sealed) envelope, kept by the group furthest ahead in the partition; bounded by entries,
 *   bytes and age (maxAgeMs), oldest dropped first, and dropped once every other group used it;
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
  private readonly partitions = new Map<string, Map<number, PartitionEntries>>();
  private count = 0;
  /**
   * Entries in insertion order, for evicting the oldest: a queue of its own because iterating the
   * Map from its start walks over every slot deleted since its last rehash (the used-up entries of
   * a cache the other group keeps emptying), which made each insertion cost thousands of steps.
   */
  private queue: Entry[] = [];
  private head = 0;
  private readonly opened = new WeakMap<RecordEventEnvelope, OpenedWith>();
  private bytes = 0;
  /** Counters: the projector's /metrics (shardline_projector_decode_cache_messages), tests, bench/pipeline/decode-micro.ts. */
  readonly stats = { decodeHits: 0, decodeMisses: 0, openHits: 0, openMisses: 0 };

  constructor(
    private readonly options: DecodedEnvelopeCacheOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.count;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * decodeEnvelope(message.value), from the cache when another group decoded these bytes at this
   * position. Throws like it for poison. A miss is kept for the others only when it is the furthest
   * offset of its partition decoded yet: a group behind the others (or a redelivery) would only push
   * out the entries it is about to need, which they left for it.
   */
  decode(message: SourceMessage): RecordEventEnvelope {
    const { value, position } = message;
    if (!value || this.options.maxEntries <= 0) return decodeEnvelope(value);
    const partition = this.partitionOf(position.topic, position.partition);
    const entry = partition.entries.get(position.offset);
    if (entry && entry.value.length === value.length && entry.value.equals(value)) {
      this.stats.decodeHits += 1;
      if (--entry.usesLeft <= 0) this.drop(entry);
      return entry.envelope;
    }
    this.stats.decodeMisses += 1;
    const envelope = decodeEnvelope(value);
    if (entry) this.drop(entry);
    const offset = Number(position.offset);
    if (offset > partition.furthest) {
      partition.furthest = offset;
      if (this.options.consumers > 1 && value.length <= this.options.maxBytes) this.add({ offset: position.offset, partition, dropped: false, value, envelope, usesLeft: this.options.consumers - 1, addedAt: this.now() });
    }
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

  /** Drops the entries older than maxAgeMs (the projector calls it on a timer too: a quiet topic adds nothing). */
  sweep(): void {
    const maxAge = this.options.maxAgeMs;
    if (maxAge === undefined) return;
    const oldest = this.now() - maxAge;
    // The queue is in insertion order, so the old ones are at its head.
    while (this.head < this.queue.length && (this.queue[this.head].dropped || this.queue[this.head].addedAt <= oldest)) this.drop(this.queue[this.head++]);
    this.compact();
  }

  private partitionOf(topic: string, partition: number): PartitionEntries {
    let partitions = this.partitions.get(topic);
    if (!partitions) this.partitions.set(topic, (partitions = new Map()));
    let entries = partitions.get(partition);
    if (!entries) partitions.set(partition, (entries = { entries: new Map(), furthest: -1 }));
    return entries;
  }

  private add(entry: Entry): void {
    entry.partition.entries.set(entry.offset, entry);
    this.count += 1;
    this.bytes += entry.value.length;
    this.queue.push(entry);
    // Every entry held is in the queue at or after head: this ends.
    while (this.count > this.options.maxEntries || this.bytes > this.options.maxBytes) this.drop(this.queue[this.head++]);
    this.sweep();
    this.compact();
  }

  private drop(entry: Entry): void {
    if (entry.dropped) return;
    entry.dropped = true;
    entry.partition.entries.delete(entry.offset);
    this.count -= 1;
    this.bytes -= entry.value.length;
  }

  /** Moves the head past dropped entries; rebuilds the queue once most of it is dropped, so it stays within 2x the entries held plus 1,024 (amortized O(1) per message). */
  private compact(): void {
    while (this.head < this.queue.length && this.queue[this.head].dropped) this.head += 1;
    if ((this.head > 1024 && this.head * 2 > this.queue.length) || this.queue.length - this.head > 2 * this.count + 1024) {
      this.queue = this.queue.slice(this.head).filter((e) => !e.dropped);
      this.head = 0;
    }
  }
}
