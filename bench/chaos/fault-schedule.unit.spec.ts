import { FAULT_KINDS, faultTarget, planFaults } from './fault-schedule';

describe('planFaults', () => {
  it('is a pure function of the seed: the printed seed replays the same schedule', () => {
    expect(planFaults({ seed: 42, durationS: 600 })).toEqual(planFaults({ seed: 42, durationS: 600 }));
    expect(planFaults({ seed: 42, durationS: 600 })).not.toEqual(planFaults({ seed: 43, durationS: 600 }));
  });

  it('hits every kind within a 10-minute run, recovers before the quiet tail, never twice the same target at once', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const plan = planFaults({ seed, durationS: 600 });
      expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
      for (const f of plan) {
        expect(f.atS).toBeGreaterThanOrEqual(15);
        expect(f.atS + f.downS).toBeLessThanOrEqual(600 - 60);
      }
      for (const f of plan.filter((p) => p.overlaps)) {
        const other = plan[f.overlaps! - 1];
        expect(faultTarget(f)).not.toBe(faultTarget(other));
      }
      // Faults not planned to overlap follow each other.
      for (const [i, f] of plan.entries()) {
        if (i === 0 || f.overlaps) continue;
        const before = plan.slice(0, i);
        expect(f.atS).toBeGreaterThan(Math.max(...before.map((b) => b.atS + b.downS)));
      }
    }
  });

  it('takes only the kinds asked for, and none for an empty list', () => {
    const plan = planFaults({ seed: 7, durationS: 300, kinds: ['api', 'shard'] });
    expect(plan.length).toBeGreaterThan(0);
    expect(plan.every((f) => f.kind === 'api' || (f.kind === 'shard' && f.shard! >= 0 && f.shard! < 4))).toBe(true);
    expect(plan.every((f) => f.kind !== 'api' || f.mode === 'kill9')).toBe(true);
    expect(planFaults({ seed: 7, durationS: 300, kinds: [] })).toEqual([]);
  });
});
