import type { InMemoryEventStore } from '@shardline/event-store';
import type { OutboxBacklog, OutboxEntry, OutboxSource } from '../outbox-relay.ports';

/**
 * One shard's outbox of an InMemoryEventStore, read as the MySQL outbox source reads a shard's:
 * what the store appended (and released) in outbox-id order, deleted once published. With it the
 * relay runs over the in-memory event store end to end. Held to the MySQL source by the outbox
 * contract (@shardline/testing/contracts).
 */
export class InMemoryEventStoreOutbox implements OutboxSource {
  constructor(
    private readonly store: InMemoryEventStore<unknown>,
    readonly shard: number,
  ) {}

  async readBatch(limit: number): Promise<OutboxEntry[]> {
    return this.store.outboxEntries(this.shard).slice(0, limit);
  }

  async remove(outboxIds: string[]): Promise<void> {
    this.store.removeFromOutbox(this.shard, outboxIds);
  }

  async backlog(): Promise<OutboxBacklog> {
    const entries = this.store.outboxEntries(this.shard);
    return { rows: entries.length, estimated: false, oldestCreatedTime: entries[0]?.event.createdTime ?? null };
  }

  async ping(): Promise<boolean> {
    try {
      this.store.outboxEntries(this.shard);
      return true;
    } catch {
      return false;
    }
  }
}
