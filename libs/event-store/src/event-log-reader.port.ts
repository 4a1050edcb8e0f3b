import type { StoredEvent } from './event-store.port';

/**
 * Reads a shard's event log in position order, for catch-up consumers such as a projection
 * rebuild. See the MySQL adapter for the gap caveat (positions are allocated at insert, not at
 * commit) and why a rebuild that captured its Kafka offsets first is still complete.
 */
export interface EventLogReader {
  /** Up to `limit` events of `shard` with position > `afterPosition` ('0' for the start), ascending. */
  readEventsAfter(shard: number, afterPosition: string, limit: number): Promise<StoredEvent[]>;
}
