/**
 * A slot move as the control database holds it (docs/adr/0008, section 4): a plan (header) and one
 * row per slot, grouped into move groups of up to 16 slots sharing (from, to). Each group is one
 * `slot-move` saga; the rows carry its stage and the copy's progress for `slots status`.
 */

/**
 * Stages of a slot, in order (the `slot-move` saga reports them: sagas/slot-move). `done` and
 * `rolled-back` end a slot's move (it leaves the open moves); every other stage keeps the slot in
 * its move, so no other plan may take it. `planned`: stored, no saga yet; `queued`: its saga waits
 * for admission (the move's parallel limit).
 */
export const SLOT_MOVE_STAGES = ['planned', 'queued', 'copying', 'catching-up', 'verifying', 'cutover', 'handoff', 'done', 'rolling-back', 'rolled-back'] as const;
export type SlotMoveStage = (typeof SLOT_MOVE_STAGES)[number];

export const FINISHED_STAGES: readonly SlotMoveStage[] = ['done', 'rolled-back'];

export function isFinishedStage(stage: SlotMoveStage): boolean {
  return FINISHED_STAGES.includes(stage);
}

/** What the operator asked for: every slot to `slot % toShards`, or a list of (slot, target shard). */
export type MoveRequest = { toShards: number } | { slots: ReadonlyArray<readonly [number, number]> };

/** One slot of a plan, before it is stored. */
export interface PlannedSlot {
  slot: number;
  fromShard: number;
  toShard: number;
  /** The slot's ownership epoch when planned: the cutover grants epochFrom + 1 and flips only from it. */
  epochFrom: number;
}

/** Up to `groupSize` slots with the same (from, to): one saga, one cutover. */
export interface MoveGroup {
  /** 0, 1, … within the plan, in (from, to, first slot) order. */
  group: number;
  fromShard: number;
  toShard: number;
  slots: PlannedSlot[];
}

/** A slot's row in `slot_moves`. */
export interface SlotMoveRow {
  moveId: string;
  slot: number;
  group: number;
  fromShard: number;
  toShard: number;
  stage: SlotMoveStage;
  epochFrom: number;
  /** The copy's cursor (CopyCursor or CatchUpCursor, as JSON); null before the copy starts. */
  cursor: unknown;
  rowsCopied: number;
  /** Source rows of the slot above the catch-up cursor (null until a catch-up measured it). */
  rowsBehind: number | null;
  stageStarted: Date;
  updated: Date;
  /** When the group's saga was let in under the move's parallel limit (null while it waits). */
  admitted: Date | null;
}

export type MovePlanStatus = 'open' | 'finished';

/** A plan's header (`slot_move_plans`). */
export interface MovePlanHeader {
  moveId: string;
  created: Date;
  /** The request and the options the plan was made with (group size, parallel, chunk…), for the record. */
  options: Record<string, unknown>;
  status: MovePlanStatus;
}
