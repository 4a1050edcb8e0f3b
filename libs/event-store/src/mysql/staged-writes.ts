import type { Knex } from 'knex';
import type { StagedStream } from '../event-store.port';
import { guardShard, isDeadlock } from './mysql-errors';
import type { MysqlInlineProjection } from './mysql-inline-projection.port';
import { insertStatements, OUTBOX_COLUMNS } from './sql-statements';


/**
 * The end of a write set's staging on one shard, in one local transaction (docs/adr/0003):
 * - release: the staged events are locked (SELECT … FOR UPDATE), get their outbox rows in position
 *   order and lose the marker, and so do their state rows. Outbox rows are written only for what was
 *   locked, so two concurrent releases of one stream (the saga and a writer rolling it forward)
 *   publish it once; a stream already released is skipped.
 * - discard: the staged events and state rows are deleted (never visible, never published).
 * Streams are taken month by month so each statement prunes to one partition and uses the
 * (stream_id, …) unique key. A deadlock is retried (twice).
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
      db.transaction(async (trx) => {
        let touched = 0;
        for (const [month, ids] of byMonth(streams)) {
          const events = () => trx('events').where('month_key', month).whereIn('stream_id', ids).andWhere('staged_by', writeSetId);
          if (action === 'discard') {
            touched += await events().delete();
            continue;
          }
          const rows: Array<{ stream_id: string; stream_version: number }> = await events().orderBy('position').forUpdate().select('stream_id', 'stream_version');
          if (rows.length === 0) continue;
          const now = clock();
          for (const statement of insertStatements('outbox', OUTBOX_COLUMNS, rows.map((r) => [r.stream_id, r.stream_version, month, keyOf.get(r.stream_id), now]))) await trx.raw(statement.sql);
          await events().update({ staged_by: null });
          touched += rows.length;
        }
        const ids = streams.map((s) => s.streamId);
        const plan = action === 'release' ? projection.planRelease(writeSetId, ids) : projection.planDiscard(writeSetId, ids);
        for (const statement of plan) await trx.raw(statement.sql);
        return touched;
      }),
    );
  } catch (error) {
    if (isDeadlock(error) && attempt < 3) return endStaging(db, shard, projection, clock, work, attempt + 1);
    throw error;
  }
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
