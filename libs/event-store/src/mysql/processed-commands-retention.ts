import type { Knex } from 'knex';

/** Rows deleted per statement: small enough that no delete holds locks long against live appends. */
const PRUNE_BATCH = 5_000;

/**
 * Forgets the Idempotency-Keys (and saga step command ids) first answered before `olderThan`.
 * processed_commands would otherwise grow by one row per command forever. Deleting in short
 * batches by `idx_created_time` keeps each statement's lock footprint small; a retry of a key
 * older than the retention executes as a new command, which is the documented contract.
 */
export async function pruneProcessedCommands(db: Knex, olderThan: Date, batchSize = PRUNE_BATCH): Promise<number> {
  let deleted = 0;
  for (;;) {
    const [result] = await db.raw('DELETE FROM processed_commands WHERE created_time < ? ORDER BY created_time LIMIT ?', [olderThan, batchSize]);
    const affected = Number((result as { affectedRows?: number }).affectedRows ?? 0);
    deleted += affected;
    if (affected < batchSize) return deleted;
  }
}
