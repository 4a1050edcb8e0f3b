/**
 * The decisions of the cutover's conditional steps (docs/adr/0008 4.5), apart from the SQL that
 * reads the rows under lock and applies them (libs/sharding/src/mysql: owned-slots.ts, slot-flip.ts).
 */

export interface EpochConflict {
  slot: number;
  expected: number;
  found: number;
  shard?: number;
}

/**
 * Epochs of a step over several slots: one for all, one per slot in the order of the slots (as a
 * move group stores them), or by slot.
 */
export type SlotEpochs = number | readonly number[] | ReadonlyMap<number, number>;

/** Resolves `epochs` for `slots` (validated: every slot has a positive integer epoch). */
export function epochsOf(slots: readonly number[], epochs: SlotEpochs): Map<number, number> {
  if (Array.isArray(epochs) && epochs.length !== slots.length) throw new RangeError(`${epochs.length} epochs for ${slots.length} slots`);
  const out = new Map<number, number>();
  slots.forEach((slot, i) => {
    const epoch = typeof epochs === 'number' ? epochs : Array.isArray(epochs) ? epochs[i] : (epochs as ReadonlyMap<number, number>).get(slot);
    if (epoch === undefined || !Number.isInteger(epoch) || epoch < 1) throw new RangeError(`no valid epoch for slot ${slot}: ${epoch}`);
    if (out.has(slot) && out.get(slot) !== epoch) throw new RangeError(`slot ${slot} given twice with different epochs`);
    out.set(slot, epoch);
  });
  return out;
}

export type GrantPlan = { kind: 'refused'; conflicts: EpochConflict[] } | { kind: 'grant'; insert: number[]; raise: number[] };

/**
 * A grant of slots at their epochs (`wanted`: slot → epoch) on a shard holding `found` (slot →
 * epoch): rows at a higher epoch refuse it all (a later attempt or move got there first); rows at
 * the epoch stay as they are (a re-run); rows at a lower epoch are raised; missing rows are inserted.
 */
export function planGrant(wanted: ReadonlyMap<number, number>, found: ReadonlyMap<number, number>): GrantPlan {
  const slots = [...wanted.keys()].sort((a, b) => a - b);
  const conflicts = slots.filter((slot) => (found.get(slot) ?? 0) > wanted.get(slot)!).map((slot) => ({ slot, expected: wanted.get(slot)!, found: found.get(slot)! }));
  if (conflicts.length > 0) return { kind: 'refused', conflicts };
  return { kind: 'grant', insert: slots.filter((slot) => !found.has(slot)), raise: slots.filter((slot) => found.has(slot) && found.get(slot)! < wanted.get(slot)!) };
}

export type FlipPlan = { kind: 'done' } | { kind: 'refused'; conflicts: EpochConflict[] } | { kind: 'flip'; byEpoch: Map<number, number[]> };

/**
 * A flip of the map rows `rows` to `toShard`, each expected at `expectedOf(slot)`: all already at
 * the target with the next epoch → done (a re-run after success); all at the expected epoch → flip
 * (grouped by epoch, for conditional updates); anything else (another move's epoch, or some slots
 * flipped and others not) → refused, naming every slot not at its expected epoch.
 */
export function planFlip(rows: ReadonlyArray<{ slot: number; shard: number; epoch: number }>, toShard: number, expectedOf: (slot: number) => number): FlipPlan {
  if (rows.every((r) => r.shard === toShard && r.epoch === expectedOf(r.slot) + 1)) return { kind: 'done' };
  const conflicts = rows.filter((r) => r.epoch !== expectedOf(r.slot)).map((r) => ({ slot: r.slot, expected: expectedOf(r.slot), found: r.epoch, shard: r.shard }));
  if (conflicts.length > 0) return { kind: 'refused', conflicts };
  return { kind: 'flip', byEpoch: groupByEpoch(rows.map((r) => [r.slot, r.epoch])) };
}

/** Slots grouped by epoch (one conditional UPDATE per epoch). */
export function groupByEpoch(entries: Iterable<readonly [number, number]>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [slot, epoch] of entries) out.set(epoch, [...(out.get(epoch) ?? []), slot]);
  return out;
}
