import { Workload, Zipf } from './workload';

const options = { seed: 1, businesses: 1_000, businessSkew: 1.0, users: 10_000, userSkew: 0.8, spanDays: 90, endMs: Date.UTC(2026, 11, 2) };

describe('bench/scale workload', () => {
  it('draws Zipf ranks with the shares it states (rank 1 of 1,000 at s=1: ~13 %)', () => {
    const zipf = new Zipf(1_000, 1.0);
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (zipf.draw((i + 0.5) / 100_000) === 1) hits++;
    expect(hits / 100_000).toBeCloseTo(zipf.share(1), 2);
    expect(zipf.share(1)).toBeGreaterThan(0.12);
    expect(zipf.draw(0.999_999)).toBeLessThanOrEqual(1_000);
  });

  it('is deterministic for a seed and chunk, and skewed: the hottest business gets its share', () => {
    const a = new Workload(options).records(0, 20_000, 0, 20_000);
    const b = new Workload(options).records(0, 20_000, 0, 20_000);
    expect(a).toEqual(b);
    const hottest = a.filter((r) => r.businessId === 'tenant-00001').length / a.length;
    expect(hottest).toBeCloseTo(new Zipf(1_000, 1.0).share(1), 1);
  });

  it('spreads a phase evenly over the window, oldest first, nothing in the future', () => {
    const w = new Workload(options);
    const records = w.records(0, 1_000, 0, 1_000);
    const times = records.map((r) => r.createdMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(w.windowStartMs);
    expect(times[times.length - 1]).toBeLessThan(options.endMs);
  });
});
