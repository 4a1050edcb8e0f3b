import { addedUp, countsOf, topBusinesses } from './business-ranking';

describe('business ranking', () => {
  const counts = (entries: Array<[string, number, number]>) => countsOf(entries.map(([business_id, events, created]) => ({ business_id, events: String(events), records_created: created })));

  it('adds the parts up per business without changing them', () => {
    const kept = counts([['a', 5, 1], ['b', 2, 2]]);
    const total = addedUp([kept, counts([['a', 1, 1], ['c', 7, 0]]), new Map()]);
    expect(Object.fromEntries(total)).toEqual({ a: { events: 6, records_created: 2 }, b: { events: 2, records_created: 2 }, c: { events: 7, records_created: 0 } });
    expect(kept.get('a')).toEqual({ events: 5, records_created: 1 });
    expect(addedUp([])).toEqual(new Map());
  });

  it('ranks by the metric, then the other count, then the id in code point order, and cuts at the limit', () => {
    const all = counts([['b', 5, 1], ['a', 5, 1], ['c', 5, 3], ['d', 9, 0], ['🙂', 1, 9], ['\uFF5E', 1, 9]]);
    expect(topBusinesses(all, 'events', 4).map((b) => b.business_id)).toEqual(['d', 'c', 'a', 'b']);
    expect(topBusinesses(all, 'records_created', 3).map((b) => b.business_id)).toEqual(['\uFF5E', '🙂', 'c']);
    expect(topBusinesses(all, 'events', 1)).toEqual([{ business_id: 'd', events: 9, records_created: 0 }]);
    expect(topBusinesses(counts([['ab', 1, 1], ['a', 1, 1]]), 'events', 2).map((b) => b.business_id)).toEqual(['a', 'ab']);
  });
});
