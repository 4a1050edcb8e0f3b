import { SlotMap } from '@shardline/sharding';
import { planMoves, type MovePlanningInput } from './slot-move.planner';

const modulo4 = (overrides: Partial<MovePlanningInput> = {}): MovePlanningInput => ({
  assignments: SlotMap.modulo(4).assignments().map((a) => ({ ...a, epoch: 1 })),
  registeredShards: [0, 1, 2, 3, 4, 5, 6, 7],
  inOpenMoves: new Set<number>(),
  ...overrides,
});

describe('planMoves', () => {
  it('--to-shards 8 from the modulo-4 map moves the 2048 slots with slot % 8 >= 4, from slot % 4 to slot % 8, in groups of 16 sharing slot % 8', () => {
    const result = planMoves(modulo4(), { toShards: 8 });
    if (!result.ok) throw new Error(JSON.stringify(result.refusals.slice(0, 3)));
    const slots = result.groups.flatMap((g) => g.slots);
    expect(slots).toHaveLength(2048);
    for (const s of slots) {
      expect(s.slot % 8).toBeGreaterThanOrEqual(4);
      expect(s).toEqual({ slot: s.slot, fromShard: s.slot % 4, toShard: s.slot % 8, epochFrom: 1 });
    }
    expect(result.groups).toHaveLength(2048 / 16);
    for (const group of result.groups) {
      expect(group.slots).toHaveLength(16);
      expect(new Set(group.slots.map((s) => s.slot % 8))).toEqual(new Set([group.toShard]));
      expect(group.slots.every((s) => s.fromShard === group.fromShard && s.toShard === group.toShard)).toBe(true);
    }
    expect(result.groups.map((g) => g.group)).toEqual(result.groups.map((_, i) => i));
    // Slots ascend within a group; groups are ordered by (from, to).
    expect(result.groups[0].slots.map((s) => s.slot)).toEqual(Array.from({ length: 16 }, (_, i) => 4 + 8 * i));
  });

  it('a slot list: cut into groups of groupSize per (from, to), carrying each slot\'s epoch', () => {
    const assignments = SlotMap.modulo(4).assignments().map((a) => ({ ...a, epoch: a.slot === 9 ? 3 : 1 }));
    const result = planMoves(modulo4({ assignments }), { slots: [[1, 5], [9, 5], [17, 5], [2, 6]] }, 2);
    expect(result).toEqual({
      ok: true,
      groups: [
        { group: 0, fromShard: 1, toShard: 5, slots: [{ slot: 1, fromShard: 1, toShard: 5, epochFrom: 1 }, { slot: 9, fromShard: 1, toShard: 5, epochFrom: 3 }] },
        { group: 1, fromShard: 1, toShard: 5, slots: [{ slot: 17, fromShard: 1, toShard: 5, epochFrom: 1 }] },
        { group: 2, fromShard: 2, toShard: 6, slots: [{ slot: 2, fromShard: 2, toShard: 6, epochFrom: 1 }] },
      ],
    });
  });

  it('refuses, all or nothing: a target not registered, a slot already on its target, a slot in another open move, a bad or repeated slot', () => {
    const result = planMoves(modulo4({ registeredShards: [0, 1, 2, 3, 4], inOpenMoves: new Map([[12, 'm-other']]) }), {
      slots: [[1, 4], [5, 6], [2, 2], [12, 4], [4096, 4], [1, 4]],
    });
    expect(result).toEqual({
      ok: false,
      refusals: [
        { reason: 'target-not-registered', slot: 5, toShard: 6 },
        { reason: 'already-on-target', slot: 2, toShard: 2 },
        { reason: 'in-another-open-move', slot: 12, moveId: 'm-other' },
        { reason: 'not-a-slot', slot: 4096 },
        { reason: 'not-a-slot', slot: 1 },
      ],
    });
  });

  it('--to-shards refuses when a target is not registered, and skips (does not refuse) slots already where they belong', () => {
    expect(planMoves(modulo4({ registeredShards: [0, 1, 2, 3, 4, 5, 6] }), { toShards: 8 })).toMatchObject({ ok: false });
    const refusals = (planMoves(modulo4({ registeredShards: [0, 1, 2, 3, 4, 5, 6] }), { toShards: 8 }) as { refusals: Array<{ toShard: number }> }).refusals;
    expect(refusals).toHaveLength(512);
    expect(new Set(refusals.map((r) => r.toShard))).toEqual(new Set([7]));
    // After half of it was done (slots % 8 == 4 moved already), the same request plans the rest only.
    const assignments = SlotMap.modulo(4).assignments().map((a) => ({ slot: a.slot, shard: a.slot % 8 === 4 ? 4 : a.shard, epoch: a.slot % 8 === 4 ? 2 : 1 }));
    const rest = planMoves(modulo4({ assignments }), { toShards: 8 });
    if (!rest.ok) throw new Error('refused');
    expect(rest.groups.flatMap((g) => g.slots)).toHaveLength(1536);
    expect(rest.groups.every((g) => g.toShard !== 4)).toBe(true);
  });

  it('a slot in another open move refuses the whole --to-shards plan', () => {
    expect(planMoves(modulo4({ inOpenMoves: new Set([4]) }), { toShards: 8 })).toEqual({ ok: false, refusals: [{ reason: 'in-another-open-move', slot: 4 }] });
  });
});
