import { planFlip, planGrant } from './slot-cutover.plan';

describe('planGrant (docs/adr/0008 4.5 step 5)', () => {
  it('inserts missing rows, leaves rows at the epoch alone, raises older ones', () => {
    expect(planGrant([5, 3, 9, 3], 4, new Map([[3, 4], [9, 2]]))).toEqual({ kind: 'grant', insert: [5], raise: [9] });
  });
  it('is refused as a whole when any row is at a later epoch (a stale attempt)', () => {
    expect(planGrant([1, 2], 3, new Map([[2, 5]]))).toEqual({ kind: 'refused', conflicts: [{ slot: 2, expected: 3, found: 5 }] });
  });
});

describe('planFlip (docs/adr/0008 4.5 step 6)', () => {
  const expected = (epochs: Record<number, number>) => (slot: number) => epochs[slot];
  it('flips slots all at their planned epochs, grouped by epoch', () => {
    const plan = planFlip([{ slot: 1, shard: 0, epoch: 1 }, { slot: 2, shard: 0, epoch: 3 }, { slot: 3, shard: 0, epoch: 1 }], 4, expected({ 1: 1, 2: 3, 3: 1 }));
    expect(plan).toEqual({ kind: 'flip', byEpoch: new Map([[1, [1, 3]], [3, [2]]]) });
  });
  it('reports done when every slot is already at the target with the next epoch', () => {
    expect(planFlip([{ slot: 1, shard: 4, epoch: 2 }], 4, expected({ 1: 1 }))).toEqual({ kind: 'done' });
  });
  it('refuses another move of the same slots (their epochs moved on), naming them', () => {
    expect(planFlip([{ slot: 1, shard: 4, epoch: 2 }, { slot: 2, shard: 4, epoch: 2 }], 5, expected({ 1: 1, 2: 1 }))).toEqual({
      kind: 'refused',
      conflicts: [{ slot: 1, expected: 1, found: 2, shard: 4 }, { slot: 2, expected: 1, found: 2, shard: 4 }],
    });
  });
  it('refuses a mix of flipped and unflipped slots, and a slot at the next epoch but on another shard', () => {
    expect(planFlip([{ slot: 1, shard: 4, epoch: 2 }, { slot: 2, shard: 0, epoch: 1 }], 4, expected({ 1: 1, 2: 1 }))).toMatchObject({ kind: 'refused', conflicts: [{ slot: 1 }] });
    expect(planFlip([{ slot: 1, shard: 6, epoch: 2 }], 4, expected({ 1: 1 }))).toMatchObject({ kind: 'refused', conflicts: [{ slot: 1, shard: 6 }] });
  });
});
