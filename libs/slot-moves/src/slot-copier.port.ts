import type { CatchUpCursor, CopyCursor } from './slot-copy.cursors';

export interface ChunkOptions {
  /** Most rows copied (events, or records) per call. Default 5,000. */
  chunkRows?: number;
  /** Most source positions (or record ids) examined per call: bounds one call when the slots are sparse. Default 50,000. */
  scanRows?: number;
  /** How long a position may stay uncommitted (lock wait + query timeout, with margin). Default 15,000 ms. */
  settleMs?: number;
}

export interface CopyChunkResult {
  cursor: CopyCursor;
  rowsCopied: number;
  /** Events and records read to their end: start the catch-up (catchUpCursorAfter). */
  done: boolean;
  /** Nothing to do before this long (the first call waits out the settle window): the saga's continueLater delay. */
  waitMs: number;
}

export interface CatchUpOptions extends ChunkOptions {
  /** After the revoke barrier (4.5 step 3): nothing more can commit to the slots on the source, so holes are read once more and forgotten. */
  final?: boolean;
}

export interface CatchUpChunkResult {
  cursor: CatchUpCursor;
  rowsCopied: number;
  /** Source events of the slots above `scannedTo` (exact up to 200,000 positions behind, else estimated from this chunk's share). */
  rowsBehind: number;
  rowsBehindEstimated: boolean;
  /** Holes and staged rows still pending: in final mode, a staged row left means the cutover must wait (4.5 step 2). */
  pending: { holes: number; staged: number };
}

/** One part of a slot's comparison; counts and checksums of both sides. */
export interface SlotMismatch {
  slot: number;
  table: 'events' | 'records';
  source: { count: number; checksum: string };
  target: { count: number; checksum: string };
}

export interface VerifyOptions {
  /**
   * Online (advisory) verify, 4.4: compare only events below the catch-up cursor's settled position
   * (bounded on both sides by the created_time of that position minus the settle window), and skip
   * `records` (rows change in place: no bound makes them comparable while writes go on). Without it,
   * everything is compared (the exact verify inside the cutover).
   */
  below?: { cursor: CatchUpCursor; settleMs?: number };
  /** Longest each side's scan may take (it reads every row of the shard's tables), over the pool's default. Default 600,000 ms. */
  queryTimeoutMs?: number;
}

export interface VerifyResult {
  mismatches: SlotMismatch[];
  recordsCompared: boolean;
}

/** Where a chunked delete is: pass it back to the next call (null: from the start; correct, but it scans again what earlier calls passed). */
export interface DeleteCursor {
  table: 'events' | 'records';
  after: string;
}

export interface DeleteChunkResult {
  deleted: number;
  done: boolean;
  cursor: DeleteCursor;
}

/** A chunk of the plan's check that every event names its business (4.1). */
export interface BusinessIdCheckResult {
  /** Up to 10 events of the chunk without `data.business_id`: the plan must refuse the shard. */
  offenders: Array<{ position: string; streamId: string }>;
  after: string;
  done: boolean;
}

/**
 * The data engine of a slot move over shard indexes (the `slot-move` saga's port). Every call is
 * one bounded chunk, idempotent, and returns what to persist.
 */
export interface SlotCopier {
  copyChunk(fromShard: number, toShard: number, slots: readonly number[], cursor: CopyCursor | null, options?: ChunkOptions): Promise<CopyChunkResult>;
  catchUpChunk(fromShard: number, toShard: number, slots: readonly number[], cursor: CatchUpCursor, options?: CatchUpOptions): Promise<CatchUpChunkResult>;
  verifySlots(fromShard: number, toShard: number, slots: readonly number[], options?: VerifyOptions): Promise<VerifyResult>;
  /** One chunk of the check that every event of `shard` carries `data.business_id` (4.1); pass `after` back. */
  eventsWithoutBusinessId(shard: number, options?: { after?: string | null; scanRows?: number }): Promise<BusinessIdCheckResult>;
  /** Rollback on the target, cleanup on the source (4.7): refused for slots the shard owns. */
  deleteSlotRows(shard: number, slots: readonly number[], options?: { chunkRows?: number; cursor?: DeleteCursor | null }): Promise<DeleteChunkResult>;
}
