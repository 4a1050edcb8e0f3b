import { InMemoryInlineProjection } from '@shardline/event-store';
import { RecordState } from '../domain/record.state';
import { RecordPageFilter, RecordStateChange, RecordStateReader } from '../ports/record-state.port';

/** In-memory `records` state table: the inline projection and its reader, for unit tests. */
export class InMemoryRecordState implements RecordStateReader, InMemoryInlineProjection<RecordStateChange> {
  private readonly shards = new Map<number, Map<string, RecordState>>();

  apply(shard: number, changes: Array<{ state: RecordStateChange }>): void {
    const table = this.table(shard);
    for (const { state: change } of changes) {
      if (change.op === 'delete') table.delete(change.record.id);
      else table.set(change.record.id, change.record);
    }
  }

  async get(shard: number, businessId: string, id: string): Promise<RecordState | null> {
    const record = this.table(shard).get(id);
    return record && record.businessId === businessId ? record : null;
  }

  async page(shards: number[], filter: RecordPageFilter, beforeId: string | null, limit: number, offset = 0): Promise<RecordState[]> {
    const rows = shards
      .flatMap((shard) => [...this.table(shard).values()])
      .filter((r) => (!filter.businessId || r.businessId === filter.businessId) && (!filter.userId || r.userId === filter.userId))
      .filter((r) => beforeId === null || BigInt(r.id) < BigInt(beforeId))
      .sort(newestFirst);
    return rows.slice(offset, offset + limit);
  }

  private table(shard: number): Map<string, RecordState> {
    let table = this.shards.get(shard);
    if (!table) this.shards.set(shard, (table = new Map()));
    return table;
  }
}

/** Ids are time-ordered, so id order is (created_time, id) order. */
export function newestFirst(a: RecordState, b: RecordState): number {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x === y ? 0 : x > y ? -1 : 1;
}
