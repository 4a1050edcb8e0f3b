import type { Knex } from 'knex';
import { slotOf } from '@shardline/sharding';
import type { StagedStream } from '../event-store.port';
import { SlotNotOwnedError, WriteContentionError } from '../event-store.errors';
import { guardShard, isDeadlock, isLockWaitTimeout, MAX_DEADLOCK_ATTEMPTS } from './mysql-errors';
import type { MysqlInlineProjection } from './mysql-inline-projection.port';
import { formatSql, insertStatements, OUTBOX_COLUMNS } from './sql-statements';


/**
 * The end of a write set's staging on one shard, in one local transaction (docs/adr/0003):
 * - release: the staged events are locked (SELECT … FOR UPDATE), get their outbox rows in position
 *   order and lose the marker, and so do their state rows. Outbox rows are written only for what was
 *   locked, so two concurrent releases of one stream (the saga and a writer rolling it forward)
 *   publish it once; a stream already released is skipped.
 * - discard: the staged events and state rows are deleted (never visible, never published).
 * Streams are taken month by month so each statement prunes to one partition and uses the
 * (stream_id, …) unique key. A deadlock is retried (twice), then answered as contention (503).
 *
 * The slot fence (docs/adr/0008, 4.8), first in the transaction: the streams' slots are read from
 * `owned_slots` with a shared lock. Staged rows never leave a shard (a cutover refuses slots with
 * staged rows), so where they are is where they end: a shard that holds the write set's staged rows
 * of a slot ends them even when it does not own the slot (a cutover pause between its revoke and
 * its staged-rows check). A shard that neither owns a slot nor holds any staged row of it under the
 * write set is the wrong address (a stale map): refused with SlotNotOwnedError (retriable), so the
 * caller reloads the map and asks the owner instead of counting a release that did nothing as done.
 * The extra read of the staged rows runs only when some slot is not owned.
 */
export async function endStaging<TState>(
  db: Knex,
  shard: number,
  projection: MysqlInlineProjection<TState>,
  clock: () => Date,
  work: { writeSetId: string; streams: readonly StagedStream[]; action: 'release' | 'discard' },
  attempt = 1,
): Promise<number> {
  const { writeSetId, streams, action } = work;
  if (streams.length === 0) return 0;
  const keyOf = new Map(streams.map((s) => [s.streamId, s.partitionKey]));
  try {
    return await guardShard(shard, () =>
      // READ COMMITTED: the locking read below locks the staged rows it finds and no gaps, so it
      // never blocks (or deadlocks with) other transactions inserting new streams beside them.
      db.transaction(async (trx) => {
        await refuseSlotsNeitherOwnedNorStaged(trx, shard, writeSetId, streams);
        let touched = 0;
        for (const [month, ids] of byMonth(streams)) {
          // The unique key (stream_id, …) is forced: with a few hundred ids, and for the SELECT an
          // ORDER BY position, the optimizer otherwise scans the whole partition by primary key
          // (measured: 7x the MariaDB CPU of the staging itself).
          const from = formatSql('FROM events e FORCE INDEX (uq_stream_version) WHERE e.month_key = ? AND e.stream_id IN (?) AND e.staged_by = ?', [month, ids, writeSetId]);
          if (action === 'discard') {
            // The multi-table form: single-table DELETE takes no index hint.
            touched += affectedRows(await trx.raw(`DELETE e ${from}`));
            continue;
          }
          const [found] = (await trx.raw(`SELECT e.position, e.stream_id, e.stream_version ${from} FOR UPDATE`)) as [Array<{ position: string | number; stream_id: string; stream_version: number }>];
          if (found.length === 0) continue;
          // Outbox rows in position order: a stream's events publish in version order.
          const rows = [...found].sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
          const now = clock();
          for (const statement of insertStatements('outbox', OUTBOX_COLUMNS, rows.map((r) => [r.stream_id, r.stream_version, month, keyOf.get(r.stream_id), now]))) await trx.raw(statement.sql);
          await trx.raw(formatSql('UPDATE events FORCE INDEX (uq_stream_version) SET staged_by = NULL WHERE month_key = ? AND stream_id IN (?) AND staged_by = ?', [month, ids, writeSetId]));
          touched += rows.length;
        }
        const ids = streams.map((s) => s.streamId);
        const plan = action === 'release' ? projection.planRelease(writeSetId, ids) : projection.planDiscard(writeSetId, ids);
        for (const statement of plan) await trx.raw(statement.sql);
        return touched;
      }, { isolationLevel: 'read committed' }),
    );
  } catch (error) {
    if (isDeadlock(error) && attempt < MAX_DEADLOCK_ATTEMPTS) return endStaging(db, shard, projection, clock, work, attempt + 1);
    if (isDeadlock(error) || isLockWaitTimeout(error)) throw new WriteContentionError(shard, error);
    throw error;
  }
}

async function refuseSlotsNeitherOwnedNorStaged(trx: Knex.Transaction, shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<void> {
  const slotOfStream = new Map(streams.map((s) => [s.streamId, slotOf(s.partitionKey)]));
  const slots = [...new Set(slotOfStream.values())].sort((a, b) => a - b);
  const [owned] = (await trx.raw(formatSql('SELECT slot FROM owned_slots WHERE slot IN (?) LOCK IN SHARE MODE', [slots]))) as [Array<{ slot: number }>];
  const ownedSlots = new Set(owned.map((r) => Number(r.slot)));
  const unowned = streams.filter((s) => !ownedSlots.has(slotOfStream.get(s.streamId)!));
  if (unowned.length === 0) return;
  const stagedSlots = new Set<number>();
  for (const [month, ids] of byMonth(unowned)) {
    const [found] = (await trx.raw(formatSql('SELECT DISTINCT stream_id FROM events FORCE INDEX (uq_stream_version) WHERE month_key = ? AND stream_id IN (?) AND staged_by = ?', [month, ids, writeSetId]))) as [Array<{ stream_id: string }>];
    for (const row of found) stagedSlots.add(slotOfStream.get(String(row.stream_id))!);
  }
  const refused = [...new Set(unowned.map((s) => slotOfStream.get(s.streamId)!))].filter((slot) => !stagedSlots.has(slot));
  if (refused.length > 0) throw new SlotNotOwnedError(shard, refused.sort((a, b) => a - b));
}

function affectedRows(result: unknown): number {
  const header = Array.isArray(result) ? result[0] : result;
  return Number((header as { affectedRows?: number }).affectedRows ?? 0);
}

/** Stream ids by partition month, at most 1,000 per group (IN lists of a bounded size). */
function byMonth(streams: readonly StagedStream[]): Array<[number, string[]]> {
  const groups = new Map<number, string[]>();
  for (const s of streams) {
    const ids = groups.get(s.partitionMonth);
    if (ids) ids.push(s.streamId);
    else groups.set(s.partitionMonth, [s.streamId]);
  }
  const out: Array<[number, string[]]> = [];
  for (const [month, ids] of groups) for (let i = 0; i < ids.length; i += 1000) out.push([month, ids.slice(i, i + 1000)]);
  return out;
}
