import { slotOf } from '@shardline/sharding';
import { isSlotNotOwned as fenceRefused, slotFenceStatement, type ShardDatabases } from '@shardline/sharding/mysql';
import type { StoredEvent } from '../event-store.port';
import type { EventImportTarget, StreamImport } from '../event-import.port';
import { SlotNotOwnedError, StreamVersionConflictError } from '../event-store.errors';
import { guardShard, isDuplicateKey } from './mysql-errors';
import type { MysqlInlineProjection } from './mysql-inline-projection.port';
import { formatSql, insertStatements, OUTBOX_COLUMNS } from './sql-statements';
import { storedEventOf } from './stored-event-row';

const EVENT_COLUMNS = ['position', 'month_key', 'stream_id', 'stream_version', 'event_type', 'schema_version', 'data', 'metadata', 'created_time', 'slot'];

/**
 * A recording written back into a shard (EventImportTarget): events with their recorded versions,
 * times and ids — and positions, given explicitly to the AUTO_INCREMENT column (InnoDB moves its
 * counter past them; a NULL position takes the next one) — their `records` row through the same
 * inline projection the append uses (guarded updates), and outbox rows only when asked. One
 * transaction per call: a duplicate (stream, version) is a StreamVersionConflictError and leaves
 * nothing of the call behind. The transaction starts with the slot fence, as an append does
 * (docs/adr/0008, section 3): an import routed by a map that changed since it started is refused
 * (SlotNotOwnedError) instead of landing on a shard that no longer owns the slot; the import is
 * idempotent, so running it again routes by the new map. Rows carry their slot (shard migration 0010),
 * as the append's do.
 */
export class MysqlEventImport<TState> implements EventImportTarget<TState> {
  constructor(
    private readonly databases: ShardDatabases,
    private readonly projection: MysqlInlineProjection<TState>,
  ) {}

  async readStream(shard: number, streamId: string): Promise<StoredEvent[]> {
    const rows = await guardShard(shard, () => this.databases.shard(shard)('events').where({ stream_id: streamId }).orderBy('stream_version', 'asc').select('*'));
    return rows.map((row: Record<string, unknown>) => storedEventOf(shard, row));
  }

  async takenPositions(shard: number, positions: readonly string[]): Promise<Set<string>> {
    const taken = new Set<string>();
    for (let i = 0; i < positions.length; i += 1000) {
      const [rows] = await guardShard(shard, () => this.databases.shard(shard).raw(formatSql('SELECT position FROM events WHERE position IN (?)', [positions.slice(i, i + 1000)])));
      for (const row of rows as Array<{ position: string | number }>) taken.add(String(row.position));
    }
    return taken;
  }

  async importStreams(shard: number, streams: readonly StreamImport<TState>[], options: { outbox: boolean }): Promise<void> {
    const events: unknown[][] = [];
    const outbox: unknown[][] = [];
    for (const s of streams) {
      const slot = slotOf(s.partitionKey);
      for (const e of s.events) {
        events.push([e.position, s.partitionMonth, s.streamId, e.streamVersion, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata), e.createdTime, slot]);
        if (options.outbox) outbox.push([s.streamId, e.streamVersion, s.partitionMonth, s.partitionKey, e.createdTime]);
      }
    }
    const changes = streams.filter((s) => s.state !== null).map((s) => ({ streamId: s.streamId, expectedVersion: s.expectedVersion, state: s.state as TState, stagedBy: null, slot: slotOf(s.partitionKey) }));
    const slots = [...new Set(streams.map((s) => slotOf(s.partitionKey)))].sort((a, b) => a - b);
    const fence = slots.length > 0 ? [{ sql: slotFenceStatement(slots), guard: undefined }] : [];
    const statements = [...fence, ...insertStatements('events', EVENT_COLUMNS, events), ...this.projection.plan(changes), ...insertStatements('outbox', OUTBOX_COLUMNS, outbox)];
    try {
      await guardShard(shard, () =>
        this.databases.shard(shard).transaction(async (trx) => {
          for (const statement of statements) {
            const [header] = (await trx.raw(statement.sql)) as [{ affectedRows?: number }];
            // A guarded state change (an update of the row the import read) that touches no row: someone wrote the stream meanwhile.
            if (statement.guard && header.affectedRows !== 1) throw new StreamVersionConflictError(statement.guard.streamId, statement.guard.expectedVersion);
          }
        }),
      );
    } catch (error) {
      if (fenceRefused(error)) throw new SlotNotOwnedError(shard, slots, error);
      if (isDuplicateKey(error, 'uq_stream_version')) throw new StreamVersionConflictError(streams.length === 1 ? streams[0].streamId : 'one of the imported streams', streams[0]?.expectedVersion ?? 0);
      throw error;
    }
  }
}
