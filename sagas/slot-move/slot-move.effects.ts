/**
 * What the slot-move saga does to the shards and the control database (docs/adr/0008, section 4),
 * declared here so the definition reads without MySQL; the saga worker injects the MySQL adapters
 * (libs/slot-moves, libs/sharding's owned-slots and slot map, the event store's key copier).
 * Every effect is idempotent: a retried or duplicated job repeats it harmlessly.
 */

/** One group of slots moving together from one shard to another (a row set of `slot_moves`). */
export interface SlotMoveGroup {
  readonly moveId: string;
  readonly group: number;
  readonly slots: readonly number[];
  readonly fromShard: number;
  readonly toShard: number;
  /** Each slot's ownership epoch when the move was planned (the flip is conditioned on them). */
  readonly epochs: readonly number[];
}

/** Where a copy or catch-up got to: opaque to the saga, saved in its state between chunks. */
export type CopyCursor = unknown;

export interface ChunkResult {
  cursor: CopyCursor;
  /** Rows written to the target by this chunk (events, records, keys). */
  rows: number;
  /** True when the pass found nothing more to copy below its horizon. */
  done: boolean;
  /** Nothing to do before this long (e.g. the backfill waits out the settle window first). */
  waitMs?: number;
}

export interface CatchUpResult extends ChunkResult {
  /** Source rows of the slots above the settled cursor: how far the copy trails the writes. */
  rowsBehind: number;
}

export interface SlotMismatch {
  slot: number;
  what: string;
  source: string;
  target: string;
}

export type SlotMoveStage = 'queued' | 'copying' | 'catching-up' | 'verifying' | 'cutover' | 'handoff' | 'done' | 'rolling-back' | 'rolled-back';

/**
 * A group's admission: let in, or not yet with how many rounds of `parallel` groups wait before it
 * (0: it may get the next free place). The saga polls less often the further back it is.
 */
export type Admission = { admitted: true } | { admitted: false; roundsAhead: number };

export interface SlotMoveEffects {
  /**
   * Admits the group if fewer than the move's `parallel` groups are between admission and done;
   * otherwise "not yet" (the saga waits and asks again). Idempotent for an admitted group.
   */
  admit(group: SlotMoveGroup): Promise<Admission>;
  /** Gives back the group's admission (it finished, or rolled back). */
  release(group: SlotMoveGroup): Promise<void>;
  /** Shows the group's progress to operators (`slots status`, /admin/slot-moves, metrics). */
  report(group: SlotMoveGroup, stage: SlotMoveStage, progress?: { rowsCopied?: number; rowsBehind?: number }): Promise<void>;

  /**
   * One bounded chunk of the backfill (events, records and Idempotency-Keys of the slots). Rows an
   * atomic batch holds staged are not copied but remembered: catch-up copies them once released and
   * forgets them once discarded, so no copy ever carries a staged marker.
   */
  copyChunk(group: SlotMoveGroup, cursor: CopyCursor | null): Promise<ChunkResult>;
  /**
   * One bounded chunk of catch-up from `cursor`. Without `final`, the cursor advances only past
   * positions that are filled or older than the settle window (a gap may still commit); with `final`
   * (after the revoke barrier, when nothing more can commit on the source) it takes everything.
   */
  catchUpChunk(group: SlotMoveGroup, cursor: CopyCursor, options: { final: boolean }): Promise<CatchUpResult>;
  /** Per-slot counts and checksums on both sides; `upTo` limits the online check to settled rows. */
  verify(group: SlotMoveGroup, options: { upTo: CopyCursor | null }): Promise<SlotMismatch[]>;
  /** Deletes one chunk of the target's rows of the slots (rollback), from where the last chunk stopped. */
  deleteTargetChunk(group: SlotMoveGroup, cursor: CopyCursor | null): Promise<{ done: boolean; cursor: CopyCursor }>;

  /** Takes the slots from the source (a barrier: waits for appends in flight; later ones are refused). */
  revokeSource(group: SlotMoveGroup): Promise<void>;
  /** Gives the slots back to the source at their planned epochs (rollback before the flip). */
  regrantSource(group: SlotMoveGroup): Promise<void>;
  /** Rows of the slots a saga holds on the source: an atomic batch's staged rows, records a record move locked. */
  stagedRows(group: SlotMoveGroup): Promise<number>;
  /** Gives the target the slots at epoch + 1, its relay holding their outbox rows until the hand-off. */
  grantTarget(group: SlotMoveGroup): Promise<void>;
  /** Takes the slots from the target (rollback before the flip). */
  revokeTarget(group: SlotMoveGroup): Promise<void>;
  /** The pivot: the map names the target at epoch + 1, conditioned on the planned epochs. */
  flip(group: SlotMoveGroup): Promise<void>;
  /**
   * The map names the target at epoch + 1 for the group's slots: the flip happened (a flip whose
   * saga an operator aborted while it ran committed after all). A flip is one transaction, so a
   * group is flipped whole or not at all.
   */
  flipped(group: SlotMoveGroup): Promise<boolean>;
  /** Unpublished outbox rows of the slots left on the source (after the revoke they only shrink). */
  sourceOutboxRows(group: SlotMoveGroup): Promise<number>;
  /** Lets the target's relay publish the slots' rows. */
  releasePublishHold(group: SlotMoveGroup): Promise<void>;
}
