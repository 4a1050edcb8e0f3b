import { slotMoveStatus } from './slot-move.status';
import type { MovePlanHeader, SlotMoveRow, SlotMoveStage } from './slot-move.types';

describe('slot move status: progress, rate and ETA (docs/adr/0008, section 5)', () => {
  const now = new Date('2026-12-03T10:00:00Z');
  const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);
  const plan = (options: Record<string, unknown> = { parallel: 2, rowsPerSlot: { '1': 1000 } }): MovePlanHeader => ({ moveId: 'm1', created: secondsAgo(600), options, status: 'open' });
  /** A group of `slots` slots from shard 1; its rows copied kept on its first slot, as the effects do. */
  const group = (g: number, stage: SlotMoveStage, opts: { slots?: number; copied?: number; behind?: number | null; admittedS?: number | null } = {}): SlotMoveRow[] =>
    Array.from({ length: opts.slots ?? 2 }, (_, i) => ({
      moveId: 'm1',
      slot: g * 100 + i,
      group: g,
      fromShard: 1,
      toShard: 4,
      stage,
      epochFrom: 1,
      cursor: null,
      rowsCopied: i === 0 ? (opts.copied ?? 0) : 0,
      rowsBehind: opts.behind ?? null,
      stageStarted: secondsAgo(10),
      updated: secondsAgo(1),
      admitted: opts.admittedS === undefined || opts.admittedS === null ? null : secondsAgo(opts.admittedS),
    }));
  const saga = () => 'running';

  it('a copying group: expected rows from the plan estimate, rate since admission, ETA of what is left', () => {
    const report = slotMoveStatus(plan(), group(0, 'copying', { copied: 500, admittedS: 10 }), saga, now);
    expect(report.groups[0]).toMatchObject({ slots: 2, stages: { copying: 2 }, rows_copied: 500, rows_expected: 2000, rows_left: 1500, rows_per_s: 50, eta_s: 30, saga: 'running' });
    expect(report).toMatchObject({ rows_copied: 500, rows_per_s: 50, eta_s: 30, groups_done: 0 });
  });

  it('catching up: what is left is the lag (the group\'s, written on each of its slots: counted once), whatever the estimate said; from verification on nothing is left', () => {
    const catching = slotMoveStatus(plan(), group(0, 'catching-up', { copied: 2400, behind: 240, admittedS: 24 }), saga, now);
    expect(catching.groups[0]).toMatchObject({ rows_behind: 240, rows_left: 240, rows_per_s: 100, eta_s: 3 });
    for (const stage of ['verifying', 'cutover', 'handoff', 'done', 'rolled-back'] as const) {
      expect(slotMoveStatus(plan(), group(0, stage, { copied: 2400, admittedS: 24 }), saga, now).groups[0]).toMatchObject({ rows_left: 0, eta_s: 0 });
    }
  });

  it('queued groups wait for a place: the move ETA spreads every open group over the running rate', () => {
    const rows = [...group(0, 'copying', { copied: 1000, admittedS: 10 }), ...group(1, 'copying', { copied: 500, admittedS: 5 }), ...group(2, 'queued'), ...group(3, 'done', { copied: 2000, admittedS: 30 })];
    const report = slotMoveStatus(plan(), rows, saga, now);
    expect(report.groups.map((g) => g.eta_s)).toEqual([10, 15, null, 0]);
    // Running: 100 + 100 rows/s; left: 1000 + 1500 + 2000 (the queued group's whole estimate).
    expect(report).toMatchObject({ groups_done: 1, rows_copied: 3500, rows_per_s: 200, eta_s: 23 });
  });

  it('between two running groups (all queued or finished), one group\'s mean rate × the parallel limit', () => {
    // Admitted 30 s ago, done 10 s ago (stageStarted): 2000 rows in 20 s.
    const rows = [...group(0, 'done', { copied: 2000, admittedS: 30 }), ...group(1, 'queued'), ...group(2, 'queued'), ...group(3, 'queued')];
    expect(slotMoveStatus(plan(), rows, saga, now)).toMatchObject({ rows_per_s: 200, eta_s: 30 });
  });

  it('unknown without an estimate (a plan made before estimates) until the copy reaches the catch-up; a rollback has none', () => {
    const noEstimate = plan({ parallel: 2 });
    expect(slotMoveStatus(noEstimate, group(0, 'copying', { copied: 500, admittedS: 10 }), saga, now)).toMatchObject({ rows_per_s: 50, eta_s: null, groups: [{ rows_expected: null, eta_s: null }] });
    expect(slotMoveStatus(noEstimate, group(0, 'catching-up', { copied: 500, behind: 50, admittedS: 10 }), saga, now)).toMatchObject({ eta_s: 1 });
    expect(slotMoveStatus(plan(), group(0, 'rolling-back', { copied: 500, admittedS: 10 }), saga, now)).toMatchObject({ eta_s: null, groups: [{ eta_s: null }] });
  });

  it('a finished group keeps the rate it had until it finished (a status read later says the same)', () => {
    const done = group(0, 'done', { copied: 2000, admittedS: 30 }).map((r) => ({ ...r, stageStarted: secondsAgo(10) }));
    expect(slotMoveStatus(plan(), done, saga, now).groups[0].rows_per_s).toBe(100);
    expect(slotMoveStatus(plan(), done, saga, new Date(now.getTime() + 3_600_000)).groups[0].rows_per_s).toBe(100);
  });

  it('before a row is copied there is no rate: no ETA yet; a finished move says 0', () => {
    expect(slotMoveStatus(plan(), group(0, 'copying', { admittedS: 3 }), saga, now)).toMatchObject({ rows_per_s: null, eta_s: null });
    expect(slotMoveStatus(plan(), group(0, 'done', { copied: 10, admittedS: 3 }), saga, now)).toMatchObject({ groups_done: 1, eta_s: 0 });
  });

  it('a group with its slots in two stages (a crash window) shows both', () => {
    const rows = group(0, 'cutover');
    rows[1] = { ...rows[1], stage: 'handoff' };
    expect(slotMoveStatus(plan(), rows, saga, now).groups[0].stages).toEqual({ cutover: 1, handoff: 1 });
  });
});
