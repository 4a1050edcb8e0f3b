import type { CommitPoints } from '@shardline/commit-points';
import { InMemoryInlineProjection } from '@shardline/event-store';
import { RecordState } from '../domain/record.state';
import { RecordPageFilter, RecordStateChange, RecordStateReader } from '../ports/record-state.port';

interface Row {
  record: RecordState;
  /** The write set that staged the row (docs/adr/0003), until it is released. */
  stagedBy: string | null;
}

/**
 * In-memory `records` state table: the inline projection and its reader, for unit tests. Held to
 * the MySQL table and reader by the record-state contract (@shardline/testing/contracts). Given the
 * commit points, a staged row is visible exactly when its write set's commit point is committed, as
 * the MySQL reader resolves it; without them every row is visible (specs that stage nothing).
 */
export class InMemoryRecordState implements RecordStateReader, InMemoryInlineProjection<RecordStateChange> {
  private readonly shards = new Map<number, Map<string, Row>>();

  constructor(private readonly commitPoints?: CommitPoints) {}

  apply(shard: number, changes: Array<{ state: RecordStateChange; stagedBy?: string | null }>): void {
    const table = this.table(shard);
    for (const { state: change, stagedBy } of changes) {
      if (change.op === 'delete') table.delete(change.record.id);
      else table.set(change.record.id, { record: change.record, stagedBy: change.op === 'insert' ? (stagedBy ?? null) : (table.get(change.record.id)?.stagedBy ?? null) });
    }
  }

  endStaging(shard: number, writeSetId: string, streamIds: readonly string[], action: 'release' | 'discard'): void {
    const table = this.table(shard);
    for (const streamId of streamIds) {
      const id = streamId.replace(/^record-/, '');
      const row = table.get(id);
      if (row?.stagedBy !== writeSetId) continue;
      if (action === 'release') row.stagedBy = null;
      else table.delete(id);
    }
  }

  async get(shard: number, businessId: string, id: string): Promise<RecordState | null> {
    const row = this.table(shard).get(id);
    if (!row || row.record.businessId !== businessId) return null;
    return (await this.visible([row]))[0] ?? null;
  }

  async page(shards: number[], filter: RecordPageFilter, beforeId: string | null, limit: number, offset = 0): Promise<RecordState[]> {
    const rows = shards
      .flatMap((shard) => [...this.table(shard).values()])
      .filter(({ record: r }) => (!filter.businessId || r.businessId === filter.businessId) && (!filter.userId || r.userId === filter.userId))
      .filter(({ record: r }) => beforeId === null || BigInt(r.id) < BigInt(beforeId));
    return (await this.visible(rows)).sort(newestFirst).slice(offset, offset + limit);
  }

  private async visible(rows: Row[]): Promise<RecordState[]> {
    const staged = [...new Set(rows.map((r) => r.stagedBy).filter((s): s is string => s !== null))];
    if (staged.length === 0 || !this.commitPoints) return rows.map((r) => r.record);
    const status = await this.commitPoints.statusOf(staged);
    return rows.filter((r) => r.stagedBy === null || status.get(r.stagedBy) === 'committed').map((r) => r.record);
  }

  private table(shard: number): Map<string, Row> {
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
