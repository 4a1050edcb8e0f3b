import { RunSumsCache } from './run-sums-cache';

describe('RunSumsCache', () => {
  const sized = (rows: number) => Array.from({ length: rows }, (_, i) => i);

  it('loads a key once, shares a load in flight, and keeps the answer', async () => {
    const cache = new RunSumsCache<number[]>(100, (v) => v.length);
    let loads = 0;
    const load = () => (loads++, Promise.resolve(sized(3)));
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect(a).toBe(b);
    expect(await cache.get('k', load)).toBe(a);
    expect(loads).toBe(1);
  });

  it('forgets a failed load: the next call loads again', async () => {
    const cache = new RunSumsCache<number[]>(100, (v) => v.length);
    await expect(cache.get('k', () => Promise.reject(new Error('ClickHouse down')))).rejects.toThrow('ClickHouse down');
    expect(cache.keys()).toEqual([]);
    expect(await cache.get('k', () => Promise.resolve(sized(1)))).toEqual([0]);
  });

  it('holds at most maxRows rows, dropping the least recently used first (but always the newest)', async () => {
    const cache = new RunSumsCache<number[]>(10, (v) => v.length);
    await cache.get('a', () => Promise.resolve(sized(4)));
    await cache.get('b', () => Promise.resolve(sized(4)));
    await cache.get('a', () => Promise.reject(new Error('kept: not loaded again')));
    await cache.get('c', () => Promise.resolve(sized(4))); // 12 rows: b, the least recently used, goes
    expect(cache.keys()).toEqual(['a', 'c']);
    await cache.get('huge', () => Promise.resolve(sized(50)));
    expect(cache.keys()).toEqual(['huge']);
  });
});
