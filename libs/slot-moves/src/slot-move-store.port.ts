import type { MoveGroup, MovePlanHeader, SlotMoveRow, SlotMoveStage } from './slot-move.types';

/** Progress of a group's slots after a chunk (rows_copied is added, the rest replaced). */
export interface SlotMoveProgress {
  stage?: SlotMoveStage;
  cursor?: unknown;
  rowsCopiedDelta?: number;
  rowsBehind?: number | null;
}

/** Slots per stage with their totals: the `shardline_slot_moves{stage}` gauge and the status header. */
export interface StageSummary {
  stage: SlotMoveStage;
  slots: number;
  rowsCopied: number;
  rowsBehind: number;
  lastUpdated: Date;
}

/**
 * The control database's record of moves (`slot_move_plans`, `slot_moves`; control migration
 * 0011). A slot is in at most one open move: the store enforces it (a unique key), whatever the
 * planner was told.
 */
export interface SlotMoveStore {
  /** Stores a plan (stage `planned`); SlotMoveRefusedError listing the slots already in another open move. */
  createPlan(moveId: string, groups: readonly MoveGroup[], options: Record<string, unknown>): Promise<void>;
  /** Slots in open moves, with their move id (for the planner). */
  slotsInOpenMoves(): Promise<Map<number, string>>;
  plan(moveId: string): Promise<MovePlanHeader | null>;
  plans(options?: { status?: MovePlanHeader['status']; limit?: number }): Promise<MovePlanHeader[]>;
  /** Per slot: stage, rows copied, rows behind, updated (the operator's `slots status`). */
  slots(moveId: string, group?: number): Promise<SlotMoveRow[]>;
  /** Per stage: slot count, rows copied, rows behind, last update — of one move, or of every open move. */
  stageSummary(moveId?: string): Promise<StageSummary[]>;
  /** Records a group's progress; `stage` also restarts stage_started. A finished stage takes the slots out of the open moves. */
  saveProgress(moveId: string, slots: readonly number[], progress: SlotMoveProgress): Promise<void>;
  /**
   * Lets the group's saga in if fewer than `parallel` groups of the move are admitted and not
   * released; false: not yet (ask again later). Idempotent: an admitted group is admitted.
   */
  admit(moveId: string, group: number, parallel: number): Promise<boolean>;
  /**
   * Where a group stands in the move's queue, read without a lock: the groups running (admitted,
   * not released), whether this one is admitted, and how many waiting groups (neither admitted nor
   * released) have a lower number. A waiting group polls by it: no lock while every place is taken,
   * and groups far back poll rarely.
   */
  queueState(moveId: string, group: number): Promise<{ running: number; admitted: boolean; waitingAhead: number }>;
  /** Gives the group's place back (it finished or rolled back); idempotent. */
  release(moveId: string, group: number): Promise<void>;
  /** Marks the plan finished once every slot is finished; true when it did. */
  finishPlanIfDone(moveId: string): Promise<boolean>;
  /** Abort at the plan stage (4.1): deletes the plan's rows. */
  deletePlan(moveId: string): Promise<void>;
}
