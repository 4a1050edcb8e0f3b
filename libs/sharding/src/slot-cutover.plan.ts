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

export type GrantPlan = { kind: 'refused'; conflicts: EpochConflict[] } | { kind: 'grant'; insert: number[]; raise: number[] };

/**
 * A grant of `slots` at `epoch` on a shard holding `found` (slot → epoch): rows at a higher epoch
 * refuse it all (a later attempt or move got there first); rows at `epoch` stay as they are (a
 * re-run); rows at a lower epoch are raised; missing rows are inserted.
 */
export function planGrant(slots: readonly number[], epoch: number, found: ReadonlyMap<number, number>): GrantPlan {
  const wanted = [...new Set(slots)].sort((a, b) => a - b);
  const conflicts = wanted.filter((slot) => (found.get(slot) ?? 0) > epoch).map((slot) => ({ slot, expected: epoch, found: found.get(slot)! }));
  if (conflicts.length > 0) return { kind: 'refused', conflicts };
  return { kind: 'grant', insert: wanted.filter((slot) => !found.has(slot)), raise: wanted.filter((slot) => found.has(slot) && found.get(slot)! < epoch) };
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
  const byEpoch = new Map<number, number[]>();
  for (const r of rows) byEpoch.set(r.epoch, [...(byEpoch.get(r.epoch) ?? []), r.slot]);
  return { kind: 'flip', byEpoch };
}
