import { Knex } from 'knex';
import { epochsOf, planFlip, type SlotEpochs } from '../slot-cutover.plan';
import { SlotEpochConflictError } from '../slot-epoch-conflict.error';
import { bumpSlotMapVersion, SlotOwnership } from './mysql-slot-map.store';

export interface FlipResult {
  /** false: every slot was already at the target with the next epoch (a re-run after success). */
  flipped: boolean;
  /** slot_map_version after the flip (the current one when nothing was flipped). */
  version: number;
  /** Each slot's owner and epoch after the flip. */
  ownership: SlotOwnership[];
}

/**
 * The pivot of a slot move (docs/adr/0008 4.5 step 6): in ONE control transaction, points `slots`
 * at `toShard` with their epoch + 1 and bumps slot_map_version, but only if every slot is still at
 * the epoch the move planned (`expectedEpochs`: one for all, per slot in order, or by slot). The rows are read FOR
 * UPDATE first, so of two sagas flipping the same slots the second waits, then finds the new
 * epochs and is refused (SlotEpochConflictError naming the slots). Idempotent: when every slot is
 * already at `toShard` with the expected epoch + 1 (this flip committed, its caller did not learn
 * it), it changes nothing and reports `flipped: false`. A mix of flipped and unflipped slots
 * cannot come from this function (one transaction) and is refused.
 *
 * The caller has granted `toShard` the slots at epoch + 1 (invariant M: grant before flip).
 */
export async function flipSlots(control: Knex, slots: readonly number[], toShard: number, expectedEpochs: SlotEpochs): Promise<FlipResult> {
  if (slots.length === 0) throw new RangeError('flipSlots: no slots');
  const expected = epochsOf(slots, expectedEpochs);
  const wanted = [...expected.keys()].sort((a, b) => a - b);
  const expectedOf = (slot: number): number => expected.get(slot)!;
  return control.transaction(async (trx) => {
    const rows = await ownershipOf(trx, wanted, true);
    const unknown = wanted.filter((slot) => !rows.some((r) => r.slot === slot));
    if (unknown.length > 0) throw new RangeError(`flipSlots: slots not in the map: ${unknown.join(', ')}`);
    const plan = planFlip(rows, toShard, expectedOf);
    if (plan.kind === 'done') return { flipped: false, version: await currentVersion(trx), ownership: rows };
    if (plan.kind === 'refused') throw new SlotEpochConflictError(`flip to shard ${toShard}`, plan.conflicts);
    const registered = await trx('shards').where({ shard: toShard }).first('shard');
    if (!registered) throw new RangeError(`flipSlots: shard ${toShard} is not registered`);
    for (const [epoch, group] of plan.byEpoch) {
      const changed = await trx('slot_map').whereIn('slot', group).where({ epoch }).update({ shard: toShard, epoch: epoch + 1 });
      // Cannot differ (the rows are locked); checked because a silent partial flip would break invariant M.
      if (changed !== group.length) throw new Error(`flipSlots: updated ${changed} of ${group.length} slots at epoch ${epoch}`);
    }
    const version = await bumpSlotMapVersion(trx);
    return { flipped: true, version, ownership: await ownershipOf(trx, wanted, false) };
  });
}

/**
 * The current owner and epoch of `slots` (the epochs a move, or the reverse move after a flip,
 * plans with: a reverse move is a move of the same slots from their new owner, expecting these epochs).
 */
export async function slotOwnershipOf(control: Knex, slots: readonly number[]): Promise<SlotOwnership[]> {
  return ownershipOf(control, [...new Set(slots)], false);
}

async function ownershipOf(db: Knex, slots: readonly number[], forUpdate: boolean): Promise<SlotOwnership[]> {
  const out: SlotOwnership[] = [];
  for (let i = 0; i < slots.length; i += 1000) {
    const query = db('slot_map').whereIn('slot', slots.slice(i, i + 1000)).orderBy('slot').select('slot', 'shard', 'epoch');
    const rows: Array<Record<string, unknown>> = await (forUpdate ? query.forUpdate() : query);
    out.push(...rows.map((r) => ({ slot: Number(r.slot), shard: Number(r.shard), epoch: Number(r.epoch) })));
  }
  return out;
}

async function currentVersion(trx: Knex.Transaction): Promise<number> {
  const rows = await trx('slot_map_version').where({ id: 1 }).select('version');
  return Number(rows[0]?.version ?? 0);
}

