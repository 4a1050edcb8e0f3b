import { UnavailableError } from '@shardline/errors';
import type { StoredEvent } from '@shardline/event-store';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { slotOf } from '@shardline/sharding';
import type { EventPublisher, OutboxBacklog, OutboxEntry, OutboxSource, ShardLease } from '../outbox-relay.ports';

/** An outbox in memory, for unit tests of the relay loop; `visible: false` models an uncommitted row. */
export class InMemoryOutbox implements OutboxSource {
  private nextId = 1;
  private readonly rows: Array<OutboxEntry & { visible: boolean }> = [];
  readonly removed: string[][] = [];
  failReads = false;
  /** Slots under a publish hold (owned_slots.publish_hold): their rows are not read until released. */
  readonly held = new Set<number>();

  constructor(readonly shard = 0) {}

  /** Appends an event row; returns its outbox id. */
  add(event: StoredEvent, visible = true): string {
    const outboxId = String(this.nextId++);
    this.rows.push({ outboxId, event, visible });
    return outboxId;
  }

  commit(outboxId: string): void {
    const row = this.rows.find((r) => r.outboxId === outboxId);
    if (row) row.visible = true;
  }

  ids(): string[] {
    return this.rows.map((r) => r.outboxId);
  }

  async readBatch(limit: number): Promise<OutboxEntry[]> {
    if (this.failReads) throw new UnavailableError('MEMORY.DOWN', 'outbox unreachable');
    return this.rows
      .filter((r) => r.visible && !this.held.has(slotOf(String((r.event.data as { business_id?: unknown }).business_id))))
      .slice(0, limit)
      .map(({ outboxId, event }) => ({ outboxId, event }));
  }

  heldSlotCount(): number {
    return this.held.size;
  }

  async remove(outboxIds: string[]): Promise<void> {
    this.removed.push(outboxIds);
    const gone = new Set(outboxIds);
    for (let i = this.rows.length - 1; i >= 0; i--) if (gone.has(this.rows[i].outboxId)) this.rows.splice(i, 1);
  }

  async backlog(): Promise<OutboxBacklog> {
    const visible = this.rows.filter((r) => r.visible);
    return { rows: visible.length, estimated: false, oldestCreatedTime: visible[0]?.event.createdTime ?? null };
  }

  async ping(): Promise<boolean> {
    return !this.failReads;
  }
}

/** Records what was published; `failing` makes publish reject (a broker that is down). */
export class InMemoryPublisher implements EventPublisher {
  readonly published: RecordEventEnvelope[] = [];
  failing = false;
  attempts = 0;
  /** Called during publish, before the ack: lets a test observe the outbox mid-publish. */
  onPublish: (envelopes: RecordEventEnvelope[]) => void = () => {};

  async prepare(): Promise<void> {}

  async publish(envelopes: RecordEventEnvelope[]): Promise<void> {
    this.attempts += 1;
    this.onPublish(envelopes);
    if (this.failing) throw new UnavailableError('MEMORY.DOWN', 'broker down');
    this.published.push(...envelopes);
  }

  async ping(): Promise<boolean> {
    return !this.failing;
  }

  async close(): Promise<void> {}
}

/** A lease shared by in-memory contenders: `holder` is who has it; `revoke()` models a lost lock connection. */
export class InMemoryLeaseBoard {
  holder: string | null = null;

  lease(shard: number, owner: string): ShardLease {
    const board = this;
    return {
      shard,
      async tryAcquire() {
        if (board.holder === null) board.holder = owner;
        return board.holder === owner;
      },
      async isHeld() {
        return board.holder === owner;
      },
      async release() {
        if (board.holder === owner) board.holder = null;
      },
    };
  }

  revoke(): void {
    this.holder = null;
  }
}
