import { Knex } from 'knex';
import type { SlotOwnership } from './mysql-slot-map.store';

/**
 * A shard's own record of the slots it owns (`owned_slots`, migrations/shard/0007; docs/adr/0008).
 * The slot map in the control database says where writes should go; this table decides whether a
 * write may land here. A cutover deletes the old owner's row before the new owner gets its row, so
 * at every moment at most one shard accepts writes to a slot.
 */

/**
 * The statement an append transaction runs first (right after BEGIN, in the same packet): reads
 * the rows of `slots` with a shared lock and fails the statement when one is missing. The shared
 * lock, held until COMMIT, is what makes the check a fence: a revoke (DELETE, exclusive lock) waits
 * for every append that already passed it, and every append after the revoke finds the row gone.
 * Appends never conflict with each other here (shared locks), and take them before any other row
 * lock, so the fence adds no deadlock.
 *
 * The failure is raised by the server inside one plain statement, so the check costs no round trip
 * of its own: when fewer rows than slots are found, the scalar subquery yields two rows and the
 * assignment fails with ER_SUBQUERY_NO_1_ROW (1242); otherwise it assigns NULL. A compound
 * `IF … THEN SIGNAL … END IF` would name the error plainly but runs only on MariaDB (MySQL has no
 * compound statements outside stored programs); both cost the same within the noise of
 * bench/ingest/slot-fence.ts (bench/ingest/README.md).
 */
export function slotFenceStatement(slots: readonly number[]): string {
  for (const slot of slots) if (!Number.isInteger(slot) || slot < 0) throw new RangeError(`not a slot: ${slot}`);
  return (
    `SET @shardline_slot_fence = (SELECT 1 FROM (SELECT 1 UNION ALL SELECT 2) AS refused ` +
    `WHERE (SELECT COUNT(*) FROM owned_slots WHERE slot IN (${slots.join(',')}) LOCK IN SHARE MODE) <> ${slots.length})`
  );
}

/**
 * The fence refused the transaction: a slot it writes is not (or no longer) owned by this shard.
 * ER_SUBQUERY_NO_1_ROW: no other statement of an append transaction has a scalar subquery.
 */
export function isSlotNotOwned(error: unknown): boolean {
  return (error as { errno?: number } | null)?.errno === 1242;
}

export async function ownedSlots(shardDb: Knex): Promise<Array<{ slot: number; epoch: number }>> {
  const rows = await shardDb('owned_slots').orderBy('slot').select('slot', 'epoch');
  return rows.map((r: { slot: number; epoch: number }) => ({ slot: Number(r.slot), epoch: Number(r.epoch) }));
}

/**
 * Gives a shard with an empty `owned_slots` the slots the map assigns it. Never on a shard that owns
 * anything: from then on only moves grant and revoke. Migrate calls it once per shard, never again
 * (`shards.slots_seeded_time`): an empty table later means the shard gave its slots up. Returns the
 * number of slots granted.
 */
export async function seedOwnedSlots(shardDb: Knex, shard: number, ownership: readonly SlotOwnership[]): Promise<number> {
  return shardDb.transaction(async (trx) => {
    // Locks the table's (empty) range: two migrations seeding at once do not both insert.
    const any = await trx('owned_slots').first('slot').forUpdate();
    if (any) return 0;
    const mine = ownership.filter((o) => o.shard === shard).map((o) => ({ slot: o.slot, epoch: o.epoch }));
    for (let i = 0; i < mine.length; i += 1000) await trx('owned_slots').insert(mine.slice(i, i + 1000));
    return mine.length;
  });
}

/**
 * Takes slots away from a shard (a cutover's first act, and what tests use to fence a writer).
 * Waits for the appends that passed the fence for these slots to commit; every later one is refused.
 */
export async function revokeSlots(shardDb: Knex, slots: readonly number[]): Promise<number> {
  if (slots.length === 0) return 0;
  return shardDb('owned_slots').whereIn('slot', [...slots]).delete();
}

/** Gives slots to a shard at `epoch` (a cutover, after the old owner's revoke committed). */
export async function grantSlots(shardDb: Knex, slots: readonly number[], epoch: number): Promise<void> {
  if (slots.length === 0) return;
  await shardDb.raw(`INSERT INTO owned_slots (slot, epoch) VALUES ${slots.map(() => '(?, ?)').join(',')} ON DUPLICATE KEY UPDATE epoch = VALUES(epoch)`, slots.flatMap((slot) => [slot, epoch]));
}
