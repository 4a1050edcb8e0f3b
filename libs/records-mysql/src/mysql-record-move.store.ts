import type { Knex } from 'knex';
import type { CommitPoints } from '@shardline/commit-points';
import { InternalError, UnavailableError } from '@shardline/errors';
import { SlotNotOwnedError } from '@shardline/event-store';
import { guardShard } from '@shardline/event-store/mysql';
import { RecordLockedError, RecordMoveStore, RecordNotFoundError, RecordState } from '@shardline/records';
import { slotOf } from '@shardline/sharding';
import { isSlotNotOwned, ShardDatabases, slotFenceStatement } from '@shardline/sharding/mysql';
import { RECORD_COLUMNS, RecordRow, toState } from './mysql-record-state.reader';
import { visibleRows } from './record-row-visibility';

/** IN lists of a bounded size. */
const CHUNK = 1000;

/**
 * The rows of a move on MySQL (docs/adr/0004). The source rows are held by `moving_out_by = <saga>`;
 * the copies are ordinary staged rows (`staged_by`, written through the event store).
 */
export class MysqlRecordMoveStore implements RecordMoveStore {
  constructor(
    private readonly databases: ShardDatabases,
    private readonly commitPoints: CommitPoints,
  ) {}

  async listIds(shard: number, businessId: string, limit: number): Promise<string[]> {
    // Both reads in ONE snapshot: read apart, a row released (staged_by cleared) or marked moving out
    // between them would be in neither, and a move would find a business with records empty.
    const { plain, marked } = await guardShard(shard, () =>
      this.databases.shard(shard).transaction(
        async (trx) => {
          // Unmarked rows are visible as they are; the (business_id, created_time) index gives them in order.
          const plain: Array<{ id: string }> = await trx('records')
            .where({ business_id: businessId })
            .whereNull('staged_by')
            .whereNull('moving_out_by')
            .orderBy([{ column: 'created_time' }, { column: 'id' }])
            .limit(limit + 1)
            .select('id');
          if (plain.length > limit) return { plain, marked: [] };
          const marked: Array<Pick<RecordRow, 'id' | 'staged_by' | 'moving_out_by'>> = await trx('records')
            .where({ business_id: businessId })
            .andWhere((q) => q.whereNotNull('staged_by').orWhereNotNull('moving_out_by'))
            .limit(limit + 1)
            .select('id', 'staged_by', 'moving_out_by');
          return { plain, marked };
        },
        { isolationLevel: 'repeatable read' },
      ),
    );
    if (plain.length > limit) return ascending(plain.map((r) => String(r.id)));
    const { visible } = await visibleRows(marked, this.commitPoints);
    return ascending([...plain, ...visible].map((r) => String(r.id))).slice(0, limit + 1);
  }

  async visibleIds(shard: number, businessId: string, ids: readonly string[]): Promise<Set<string>> {
    const rows: Array<Pick<RecordRow, 'id' | 'staged_by' | 'moving_out_by'>> = [];
    for (const chunk of chunks(ids)) {
      rows.push(...(await guardShard(shard, () => this.databases.shard(shard)('records').where({ business_id: businessId }).whereIn('id', chunk).select('id', 'staged_by', 'moving_out_by'))));
    }
    const { visible } = await visibleRows(rows, this.commitPoints);
    return new Set(visible.map((r) => String(r.id)));
  }

  /**
   * One local transaction: the rows are locked (FOR UPDATE) and checked, then the saga's commit point
   * is checked to be still pending — AFTER the row locks are held, so a late attempt cannot mark rows
   * once the compensation voided the point: either it read `pending` before the void, and the
   * compensation's unlock waits for this transaction and clears its marks, or it reads `voided` and stops.
   * First of all, the slot fence (docs/adr/0008, 4.8): the business's slot must be this shard's
   * (`owned_slots`, shared lock held to COMMIT, so a cutover's revoke waits for the lock to commit and
   * then finds the record locked); a shard that does not own it refuses with SlotNotOwnedError
   * (retriable: the step reloads the map and locks at the owner) instead of "record not found".
   */
  async lock(shard: number, sagaId: string, businessId: string, ids: readonly string[]): Promise<number> {
    return guardShard(shard, () =>
      this.databases.shard(shard).transaction(async (trx) => {
        const slot = slotOf(businessId);
        await trx.raw(slotFenceStatement([slot])).catch((error: unknown) => {
          throw isSlotNotOwned(error) ? new SlotNotOwnedError(shard, [slot], error) : error;
        });
        const found = new Map<string, Pick<RecordRow, 'business_id' | 'staged_by' | 'moving_out_by'>>();
        for (const chunk of chunks(ascending(ids))) {
          const rows = await trx('records').whereIn('id', chunk).orderBy('id').forUpdate().select('id', 'business_id', 'staged_by', 'moving_out_by');
          for (const row of rows) found.set(String(row.id), row);
        }
        for (const id of ids) {
          const row = found.get(id);
          if (!row || row.business_id !== businessId) throw new RecordNotFoundError(businessId, id);
          if (row.moving_out_by !== null && row.moving_out_by !== sagaId) throw new RecordLockedError(id, row.moving_out_by);
          if (row.staged_by !== null) throw new UnavailableError('MOVE.SOURCE_STAGED', `record ${id} is still staged by atomic batch ${row.staged_by}; the move retries once it is released`);
        }
        const status = (await this.commitPoints.statusOf([sagaId])).get(sagaId);
        if (status !== 'pending') throw new InternalError('MOVE.ALREADY_DECIDED', `the commit point of move ${sagaId} is ${status}: its sources are not locked again`);
        let locked = 0;
        for (const chunk of chunks(ids)) locked += await trx('records').whereIn('id', chunk).whereNull('moving_out_by').update({ moving_out_by: sagaId });
        return locked;
      }),
    );
  }

  async unlock(shard: number, sagaId: string, ids: readonly string[]): Promise<number> {
    let unlocked = 0;
    for (const chunk of chunks(ids)) {
      unlocked += await guardShard(shard, () => this.databases.shard(shard)('records').whereIn('id', chunk).where({ moving_out_by: sagaId }).update({ moving_out_by: null }));
    }
    return unlocked;
  }

  readLocked(shard: number, sagaId: string, ids: readonly string[]): Promise<RecordState[]> {
    return this.read(shard, ids, (q) => q.where({ moving_out_by: sagaId }));
  }

  readStaged(shard: number, writeSetId: string, ids: readonly string[]): Promise<RecordState[]> {
    return this.read(shard, ids, (q) => q.where({ staged_by: writeSetId }));
  }

  private async read(shard: number, ids: readonly string[], marked: (q: Knex.QueryBuilder) => Knex.QueryBuilder): Promise<RecordState[]> {
    const rows: RecordRow[] = [];
    for (const chunk of chunks(ids)) {
      rows.push(...(await guardShard(shard, () => marked(this.databases.shard(shard)('records').whereIn('id', chunk)).select(this.databases.shard(shard).raw(RECORD_COLUMNS)))));
    }
    return rows.map(toState).sort((a, b) => compareIds(a.id, b.id));
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const compareIds = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
const ascending = (ids: readonly string[]) => [...ids].sort(compareIds);
