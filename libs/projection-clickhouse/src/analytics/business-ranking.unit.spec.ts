import { countsOf, topBusinesses } from './business-ranking';

describe('business ranking', () => {
  const counts = (entries: Array<[string, number, number]>) => countsOf(entries.map(([business_id, events, created]) => ({ business_id, events: String(events), records_created: created })));

  it('adds the parts up per business without changing them', () => {
    const kept = counts([['a', 5, 1], ['b', 2, 2]]);
    const ranked = topBusinesses([kept, counts([['a', 1, 1], ['c', 7, 0]]), new Map(), counts([['c', 1, 0]])], 'events', 10);
    expect(ranked).toEqual([
      { business_id: 'c', events: 8, records_created: 0 },
      { business_id: 'a', events: 6, records_created: 2 },
      { business_id: 'b', events: 2, records_created: 2 },
    ]);
    expect(kept.get('a')).toEqual({ events: 5, records_created: 1 });
    expect(topBusinesses([], 'events', 3)).toEqual([]);
  });

  it('keeps the best `limit` in the order a full sort gives, whatever order they come in', () => {
    let seed = 3;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const entries = Array.from({ length: 2000 }, (_, i): [string, number, number] => [`b${rand(10_000)}-${i}`, rand(50), rand(5)]);
    const parts = [counts(entries.slice(0, 1200)), counts(entries.slice(800))]; // 400 businesses in both parts
    const full = topBusinesses(parts, 'events', 5000);
    expect(full).toHaveLength(2000);
    for (let i = 1; i < full.length; i++) {
      const [a, b] = [full[i - 1], full[i]];
      expect(a.events > b.events || (a.events === b.events && (a.records_created > b.records_created || (a.records_created === b.records_created && a.business_id < b.business_id)))).toBe(true);
    }
    for (const limit of [1, 7, 100, 1000]) expect(topBusinesses(parts, 'events', limit)).toEqual(full.slice(0, limit));
  });

  it('ranks by the metric, then the other count, then the id in code point order, and cuts at the limit', () => {
    const all = [counts([['b', 5, 1], ['a', 5, 1], ['c', 5, 3], ['d', 9, 0], ['🙂', 1, 9], ['\uFF5E', 1, 9]])];
    expect(topBusinesses(all, 'events', 4).map((b) => b.business_id)).toEqual(['d', 'c', 'a', 'b']);
    expect(topBusinesses(all, 'records_created', 3).map((b) => b.business_id)).toEqual(['\uFF5E', '🙂', 'c']);
    expect(topBusinesses(all, 'events', 1)).toEqual([{ business_id: 'd', events: 9, records_created: 0 }]);
    expect(topBusinesses([counts([['ab', 1, 1], ['a', 1, 1]])], 'events', 2).map((b) => b.business_id)).toEqual(['a', 'ab']);
  });
});
