import { CoalescedLookup } from './coalesced-lookup';

describe('CoalescedLookup', () => {
  it('answers the lookups of one turn with one fetch of all their ids, and starts a new batch after', async () => {
    const fetched: string[][] = [];
    const lookup = new CoalescedLookup<number>(async (ids) => {
      fetched.push([...ids].sort());
      return new Map(ids.map((id) => [id, Number(id)]));
    });
    const [a, b, c] = await Promise.all([lookup.lookup(['1', '2']), lookup.lookup(['2', '3']), lookup.lookup(['4'])]);
    expect(fetched).toEqual([['1', '2', '3', '4']]);
    expect([a.get('1'), b.get('3'), c.get('4')]).toEqual([1, 3, 4]);
    await lookup.lookup(['5']);
    expect(fetched).toEqual([['1', '2', '3', '4'], ['5']]);
  });

  it('fails every caller of a batch whose fetch fails, and the next batch tries again', async () => {
    let fail = true;
    const lookup = new CoalescedLookup<string>(async (ids) => {
      if (fail) throw new Error('control database down');
      return new Map(ids.map((id) => [id, 'ok']));
    });
    const results = await Promise.allSettled([lookup.lookup(['1']), lookup.lookup(['2'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await lookup.lookup(['1'])).get('1')).toBe('ok');
  });
});
