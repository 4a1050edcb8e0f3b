import { epochsOf, planFlip, planGrant } from './slot-cutover.plan';

describe('planGrant (docs/adr/0008 4.5 step 5)', () => {
  it('inserts missing rows, leaves rows at the epoch alone, raises older ones', () => {
    expect(planGrant(epochsOf([5, 3, 9, 3], 4), new Map([[3, 4], [9, 2]]))).toEqual({ kind: 'grant', insert: [5], raise: [9] });
  });
  it('is refused as a whole when any row is at a later epoch (a stale attempt)', () => {
    expect(planGrant(epochsOf([1, 2], 3), new Map([[2, 5]]))).toEqual({ kind: 'refused', conflicts: [{ slot: 2, expected: 3, found: 5 }] });
  });
  it('takes one epoch per slot (a move group whose slots had different epochs)', () => {
    expect(planGrant(epochsOf([1, 2], [3, 7]), new Map([[1, 3], [2, 6]]))).toEqual({ kind: 'grant', insert: [], raise: [2] });
    expect(planGrant(epochsOf([1, 2], [3, 7]), new Map([[2, 8]]))).toMatchObject({ kind: 'refused', conflicts: [{ slot: 2, expected: 7, found: 8 }] });
  });
});

describe('epochsOf', () => {
  it('reads one epoch, one per slot in order, or by slot; refuses a missing, invalid or contradictory one', () => {
    expect(epochsOf([4, 2], 3)).toEqual(new Map([[4, 3], [2, 3]]));
    expect(epochsOf([4, 2], [1, 5])).toEqual(new Map([[4, 1], [2, 5]]));
    expect(epochsOf([4, 2], new Map([[2, 5], [4, 1]]))).toEqual(new Map([[4, 1], [2, 5]]));
    expect(() => epochsOf([4, 2], [1])).toThrow(RangeError);
    expect(() => epochsOf([4], new Map())).toThrow(/slot 4/);
    expect(() => epochsOf([4], 0)).toThrow(RangeError);
    expect(() => epochsOf([4, 4], [1, 2])).toThrow(/twice/);
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
