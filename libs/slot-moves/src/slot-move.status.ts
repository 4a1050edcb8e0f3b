import { isFinishedStage, type MovePlanHeader, type SlotMoveRow, type SlotMoveStage } from './slot-move.types';

/**
 * What `slots status`, `GET /admin/slot-moves` and `shardline_slot_move_eta_seconds` say of a move
 * (docs/adr/0008, section 5): per group its stages, rows copied and behind, copy rate and ETA.
 * Plain data computed from the control database's rows: every process answers alike.
 */
export interface SlotMoveGroupStatus {
  group: number;
  from_shard: number;
  to_shard: number;
  slots: number;
  /** Slots per stage (a group's slots move together, so one stage in all but a crash window). */
  stages: Partial<Record<SlotMoveStage, number>>;
  rows_copied: number;
  /** Source rows of the group above its catch-up cursor: the lag (null before the catch-up measured it). */
  rows_behind: number | null;
  /** Rows the copy is expected to write: its source's rows per slot at planning × slots (null without an estimate). */
  rows_expected: number | null;
  /** Rows still to copy: expected − copied while copying, the lag while catching up, 0 from verification on (null when unknown). */
  rows_left: number | null;
  /** Copy rate since the group was admitted, rows/s (null before it copied a row). */
  rows_per_s: number | null;
  /** Seconds until its copy and catch-up are through (0 once they are; null when unknown). */
  eta_s: number | null;
  /** The group's saga status (running, paused, compensating, completed…), `missing` if none. */
  saga: string;
  updated: string;
}

export interface SlotMoveStatus {
  move_id: string;
  status: MovePlanHeader['status'];
  created: string;
  options: Record<string, unknown>;
  groups_done: number;
  rows_copied: number;
  rows_per_s: number | null;
  /** Seconds until every group has copied and caught up, at the current rate and parallelism (null when unknown). */
  eta_s: number | null;
  groups: SlotMoveGroupStatus[];
}

/** Rows per slot of each source shard (events + records, the engine's estimate), stored in the plan's options at planning. */
export type RowsPerSlot = Record<string, number>;

/** The rows of one move (its slots) and the saga status of each group: everything the status needs. */
export function slotMoveStatus(plan: MovePlanHeader, rows: readonly SlotMoveRow[], sagaOf: (group: number) => string, now: Date): SlotMoveStatus {
  const perSlot = rowsPerSlotOf(plan.options);
  const groups = [...groupRows(rows)].map(([group, slots]) => groupStatus(group, slots, sagaOf(group), perSlot, now));
  const parallel = Math.max(1, Number(plan.options.parallel ?? 2));
  return {
    move_id: plan.moveId,
    status: plan.status,
    created: plan.created.toISOString(),
    options: plan.options,
    groups_done: groups.filter((g) => g.stages.done === g.slots).length,
    rows_copied: groups.reduce((n, g) => n + g.rows_copied, 0),
    ...moveRate(groups, parallel),
    groups,
  };
}

/** Groups of a move in group order. */
export function groupRows(rows: readonly SlotMoveRow[]): Map<number, SlotMoveRow[]> {
  const groups = new Map<number, SlotMoveRow[]>();
  for (const r of rows) {
    const group = groups.get(r.group);
    if (group) group.push(r);
    else groups.set(r.group, [r]);
  }
  return groups;
}

function rowsPerSlotOf(options: Record<string, unknown>): RowsPerSlot | null {
  const value = options.rowsPerSlot;
  return value && typeof value === 'object' ? (value as RowsPerSlot) : null;
}

function groupStatus(group: number, rows: SlotMoveRow[], saga: string, perSlot: RowsPerSlot | null, now: Date): SlotMoveGroupStatus {
  const stages: Partial<Record<SlotMoveStage, number>> = {};
  for (const r of rows) stages[r.stage] = (stages[r.stage] ?? 0) + 1;
  // rows_copied is kept on the group's first slot (summed: the others hold 0); rows_behind is the
  // group's lag written on each of its slots (the catch-up measures the group): one of them, not their sum.
  const copied = rows.reduce((n, r) => n + r.rowsCopied, 0);
  const behind = rows.flatMap((r) => (r.rowsBehind === null ? [] : [r.rowsBehind]));
  const rowsBehind = behind.length > 0 ? Math.max(...behind) : null;
  const estimate = perSlot?.[String(rows[0].fromShard)];
  const expected = typeof estimate === 'number' && Number.isFinite(estimate) ? Math.round(estimate * rows.length) : null;
  const admitted = rows.find((r) => r.admitted !== null)?.admitted ?? null;
  // A finished group's rate is its rate until it finished, not one that decays as time goes on.
  const until = rows.every((r) => isFinishedStage(r.stage)) ? Math.max(...rows.map((r) => r.stageStarted.getTime())) : now.getTime();
  const seconds = admitted ? (until - admitted.getTime()) / 1000 : 0;
  const rate = copied > 0 && seconds > 0 ? copied / seconds : null;
  const remaining = remainingRows(rows[0].stage, copied, rowsBehind, expected);
  return {
    group,
    from_shard: rows[0].fromShard,
    to_shard: rows[0].toShard,
    slots: rows.length,
    stages,
    rows_copied: copied,
    rows_behind: rowsBehind,
    rows_expected: expected,
    rows_left: remaining,
    rows_per_s: rate === null ? null : Math.round(rate),
    eta_s: remaining === null ? null : remaining === 0 ? 0 : rate === null ? null : Math.ceil(remaining / rate),
    saga,
    updated: new Date(Math.max(...rows.map((r) => r.updated.getTime()))).toISOString(),
  };
}

/**
 * Rows the group still has to copy: all it is expected to hold before its copy, what the estimate
 * leaves while copying (never below the catch-up's lag once it runs), the lag while catching up,
 * none from verification on. A rollback deletes rather than copies: unknown.
 */
function remainingRows(stage: SlotMoveStage, copied: number, behind: number | null, expected: number | null): number | null {
  switch (stage) {
    case 'planned':
    case 'queued':
      return expected;
    case 'copying':
      return expected === null ? null : Math.max(0, expected - copied);
    case 'catching-up':
      return behind ?? null;
    case 'rolling-back':
      return null;
    default:
      return 0;
  }
}

/**
 * The move's rate is the sum of its running groups' rates; before any runs (or between two), one
 * group's mean rate × the groups that will run at once. Its ETA: every open group's rows left at
 * that rate (unknown if one group's are).
 */
function moveRate(groups: SlotMoveGroupStatus[], parallel: number): { rows_per_s: number | null; eta_s: number | null } {
  const open = groups.filter((g) => g.rows_left !== 0);
  const running = open.filter((g) => g.rows_per_s !== null && !g.stages.queued && !g.stages.planned);
  const rated = groups.filter((g) => g.rows_per_s !== null);
  const runningRate = running.reduce((n, g) => n + (g.rows_per_s ?? 0), 0);
  const meanRate = rated.length > 0 ? rated.reduce((n, g) => n + (g.rows_per_s ?? 0), 0) / rated.length : 0;
  const rate = runningRate > 0 ? runningRate : meanRate * Math.min(parallel, Math.max(1, open.length));
  const rowsPerS = rate > 0 ? Math.round(rate) : null;
  if (open.length === 0) return { rows_per_s: rowsPerS, eta_s: 0 };
  if (rate === 0 || open.some((g) => g.rows_left === null)) return { rows_per_s: rowsPerS, eta_s: null };
  return { rows_per_s: rowsPerS, eta_s: Math.ceil(open.reduce((n, g) => n + (g.rows_left ?? 0), 0) / rate) };
}
