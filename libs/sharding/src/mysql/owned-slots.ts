import { Knex } from 'knex';
import { SLOT_COUNT } from '../slot-map';
import { epochsOf, groupByEpoch, planGrant, type SlotEpochs } from '../slot-cutover.plan';
import { SlotEpochConflictError } from '../slot-epoch-conflict.error';
import type { SlotOwnership } from './mysql-slot-map.store';
import { eventsOfSlots, recordsOfSlots } from './slot-rows';

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

export interface GrantOptions {
  /**
   * Grant with `publish_hold = 1`: this shard's relay publishes no outbox row of the slots until
   * releasePublishHold (a cutover's grant on the new owner, docs/adr/0008 4.5 step 5 and 4.6).
   */
  publishHold?: boolean;
}

/**
 * Gives slots to a shard at `epochs` (one for all, or per slot: SlotEpochs) (a cutover, after the old owner's revoke committed; rollback R
 * on the old owner at its old epoch). Conditional, so a stale saga attempt cannot undo a later one:
 * - a slot without a row gets one at `epoch` (with the hold if asked);
 * - a row already at `epoch` is left exactly as it is (a re-run is a no-op: it does not put back a
 *   hold the hand-off has since cleared);
 * - a row at a lower epoch is raised to `epoch` (and takes the hold as asked);
 * - a row at a HIGHER epoch refuses the whole grant (SlotEpochConflictError, nothing written).
 * Returns the number of rows inserted or raised. The rows are read FOR UPDATE: two attempts racing
 * on the same slots serialise (or one fails with a deadlock, retriable).
 */
export async function grantSlots(shardDb: Knex, slots: readonly number[], epochs: SlotEpochs, options: GrantOptions = {}): Promise<number> {
  if (slots.length === 0) return 0;
  checkSlots(slots);
  const wanted = epochsOf(slots, epochs);
  const hold = options.publishHold ? 1 : 0;
  return shardDb.transaction(async (trx) => {
    const rows: Array<{ slot: number; epoch: number }> = await trx('owned_slots').whereIn('slot', [...wanted.keys()]).forUpdate().select('slot', 'epoch');
    const plan = planGrant(wanted, new Map(rows.map((r) => [Number(r.slot), Number(r.epoch)])));
    if (plan.kind === 'refused') throw new SlotEpochConflictError('grant', plan.conflicts);
    for (const [epoch, group] of groupByEpoch(plan.raise.map((slot) => [slot, wanted.get(slot)!]))) {
      await trx('owned_slots').whereIn('slot', group).update({ epoch, publish_hold: hold, granted_time: trx.raw('CURRENT_TIMESTAMP(3)') });
    }
    for (let i = 0; i < plan.insert.length; i += 1000) await trx('owned_slots').insert(plan.insert.slice(i, i + 1000).map((slot) => ({ slot, epoch: wanted.get(slot)!, publish_hold: hold })));
    return plan.raise.length + plan.insert.length;
  });
}

/**
 * Rollback R of a cutover before its flip (docs/adr/0008 4.5): gives the old owner its slots back at
 * the epoch they had, without a hold, so writes resume there. The caller first revokes any grant on
 * the target (invariant O). Idempotent; refused if the old owner somehow holds a later epoch.
 */
export async function regrantSource(sourceDb: Knex, slots: readonly number[], oldEpochs: SlotEpochs): Promise<number> {
  return grantSlots(sourceDb, slots, oldEpochs, { publishHold: false });
}

/**
 * Ends the relay hold on slots (docs/adr/0008 4.6): called on the new owner once the old owner's
 * outbox has no row of them left (outboxRowsOfSlots in @shardline/outbox-relay/mysql). Idempotent;
 * returns the number of holds cleared. The UPDATE takes the rows' exclusive locks, so it waits for
 * the appends to these slots in flight on this shard (a few ms) and holds new ones that long.
 */
export async function releasePublishHold(shardDb: Knex, slots: readonly number[]): Promise<number> {
  if (slots.length === 0) return 0;
  checkSlots(slots);
  return shardDb('owned_slots').whereIn('slot', [...slots]).where('publish_hold', 1).update({ publish_hold: 0 });
}

/** The slots this shard holds back from its relay (an index range read: empty in the normal state). */
export async function heldSlots(shardDb: Knex): Promise<number[]> {
  const rows: Array<{ slot: number }> = await shardDb('owned_slots').where('publish_hold', 1).orderBy('slot').select('slot');
  return rows.map((r) => Number(r.slot));
}

/**
 * Rows of `slots` a saga holds on a shard, which a move never carries across (docs/adr/0008 4.5
 * step 2): events still marked `staged_by` plus `records` rows still marked staged (a staged insert;
 * a staged update marks only its event) or locked by a record move (`moving_out_by`, ADR 0004). Run
 * after the revoke, nothing new can be staged or locked for the slots, so 0 stays 0.
 *
 * Cost: the slots' rows, found through the slot indexes (eventsOfSlots, shard migration 0010) and
 * read for their markers — the slots' share of the shard, plus every row whose slot is still NULL
 * on a shard not yet back-filled (then a full read, as before the column).
 */
export async function heldRowsOfSlots(shardDb: Knex, slots: readonly number[]): Promise<number> {
  if (slots.length === 0) return 0;
  checkSlots(slots);
  const [rows] = await shardDb.raw(
    `SELECT (SELECT COUNT(*) FROM events WHERE staged_by IS NOT NULL AND ${eventsOfSlots(slots)}) AS events,
            (SELECT COUNT(*) FROM records WHERE (staged_by IS NOT NULL OR moving_out_by IS NOT NULL) AND ${recordsOfSlots(slots)}) AS records`,
  );
  const row = (rows as Array<{ events: number | string; records: number | string }>)[0];
  return Number(row.events) + Number(row.records);
}

function checkSlots(slots: readonly number[]): void {
  for (const slot of slots) if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`not a slot: ${slot}`);
}
