import { SLOT_COUNT } from '@shardline/sharding';
import type { MoveRefusal } from './slot-move.errors';
import type { MoveGroup, MoveRequest, PlannedSlot } from './slot-move.types';

export const DEFAULT_GROUP_SIZE = 16;

/** What a plan is checked against: the map with epochs, the registry, the slots already moving. */
export interface MovePlanningInput {
  /** Every slot's owner and epoch (the control database's slot_map). */
  assignments: ReadonlyArray<{ slot: number; shard: number; epoch: number }>;
  /** Shards registered (and migrated: `shards add` does both). */
  registeredShards: readonly number[];
  /** Slots of other open moves (SlotMoveStore.slotsInOpenMoves). */
  inOpenMoves: ReadonlyMap<number, string> | ReadonlySet<number>;
}

export type MovePlanResult = { ok: true; groups: MoveGroup[] } | { ok: false; refusals: MoveRefusal[] };

/**
 * Plans a move (docs/adr/0008, 4.1), all or nothing: every refused slot is listed, and a plan with
 * any refusal moves nothing.
 * - `{ toShards: n }` sends every slot to `slot % n`; slots already there are not part of the plan
 *   (from the modulo map over 4, n = 8 moves the slots with `slot % 8 >= 4` from `slot % 4` to
 *   `slot % 8`: half of each old shard, 2048 slots). Because a group shares (from, to), every group of
 *   such a plan shares `slot % 8`.
 * - `{ slots: [[slot, shard], …] }` moves a list; a slot already on its target is refused (the
 *   operator named it, so it is probably a mistake), as is a slot named twice.
 * Groups: slots sorted by (from, to, slot), cut every `groupSize` slots.
 */
export function planMoves(current: MovePlanningInput, request: MoveRequest, groupSize = DEFAULT_GROUP_SIZE): MovePlanResult {
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new RangeError(`groupSize must be a positive integer, got ${groupSize}`);
  const owner = new Map(current.assignments.map((a) => [a.slot, a]));
  const registered = new Set(current.registeredShards);
  const refusals: MoveRefusal[] = [];
  const planned: PlannedSlot[] = [];
  const seen = new Set<number>();
  for (const [slot, toShard] of wantedMoves(request)) {
    const now = owner.get(slot);
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT || !now || seen.has(slot)) {
      refusals.push({ reason: 'not-a-slot', slot });
      continue;
    }
    seen.add(slot);
    const explicit = 'slots' in request;
    if (now.shard === toShard) {
      if (explicit) refusals.push({ reason: 'already-on-target', slot, toShard });
      continue;
    }
    if (!registered.has(toShard)) {
      refusals.push({ reason: 'target-not-registered', slot, toShard });
      continue;
    }
    if (current.inOpenMoves.has(slot)) {
      const moveId = current.inOpenMoves instanceof Map ? current.inOpenMoves.get(slot) : undefined;
      refusals.push({ reason: 'in-another-open-move', slot, ...(moveId ? { moveId } : {}) });
      continue;
    }
    planned.push({ slot, fromShard: now.shard, toShard, epochFrom: now.epoch });
  }
  if (refusals.length > 0) return { ok: false, refusals };
  return { ok: true, groups: groupsOf(planned, groupSize) };
}

function wantedMoves(request: MoveRequest): Array<readonly [number, number]> {
  if ('slots' in request) return [...request.slots];
  const { toShards } = request;
  if (!Number.isInteger(toShards) || toShards < 1) throw new RangeError(`toShards must be a positive integer, got ${toShards}`);
  return Array.from({ length: SLOT_COUNT }, (_, slot) => [slot, slot % toShards] as const);
}

function groupsOf(planned: PlannedSlot[], groupSize: number): MoveGroup[] {
  const sorted = [...planned].sort((a, b) => a.fromShard - b.fromShard || a.toShard - b.toShard || a.slot - b.slot);
  const groups: MoveGroup[] = [];
  for (const slot of sorted) {
    const last = groups[groups.length - 1];
    if (last && last.fromShard === slot.fromShard && last.toShard === slot.toShard && last.slots.length < groupSize) last.slots.push(slot);
    else groups.push({ group: groups.length, fromShard: slot.fromShard, toShard: slot.toShard, slots: [slot] });
  }
  return groups;
}
