import { FIRST_RUN_ID, newRunId, RUN_DAY_SPAN, runStartOf } from './run-ids';

describe('rollup run ids', () => {
  const second = 1_796_300_000;

  it('carry the second the run started, first: a later run of a day has a higher id', () => {
    expect(runStartOf(newRunId(second, '2026-12-03', 0xfffff))).toBe(second);
    expect(BigInt(newRunId(second + 1, '2026-12-03', 0)) > BigInt(newRunId(second, '2026-12-03', 0xfffff))).toBe(true);
    expect(BigInt(newRunId(second, '2026-12-03')) >= FIRST_RUN_ID).toBe(true);
  });

  it('of different days fewer than RUN_DAY_SPAN apart never collide, whatever second and random bits they drew', () => {
    const ids = new Set<string>();
    for (let d = 0; d < RUN_DAY_SPAN; d += 1) {
      const day = new Date(Date.UTC(2020, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
      for (const random of [0, 1, 0xfffff]) ids.add(`${newRunId(second, day, random)}/${random}`);
    }
    const byRandom = (random: number) => [...ids].filter((id) => id.endsWith(`/${random}`)).length;
    expect([byRandom(0), byRandom(1), byRandom(0xfffff)]).toEqual([RUN_DAY_SPAN, RUN_DAY_SPAN, RUN_DAY_SPAN]);
    expect(newRunId(second, '2020-01-01', 3)).toBe(newRunId(second, new Date(Date.UTC(2020, 0, 1) + RUN_DAY_SPAN * 86_400_000).toISOString().slice(0, 10), 3)); // the span's bound
  });
});
