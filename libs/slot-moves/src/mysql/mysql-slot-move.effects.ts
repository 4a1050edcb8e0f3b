import { copyProcessedCommandsOfSlots, deleteProcessedCommandsOfSlots, processedCommandsCopyStart, type ProcessedCommandsCopyCursor } from '@shardline/event-store/mysql';
import { outboxRowsOfSlots } from '@shardline/outbox-relay/mysql';
import type { Admission, CatchUpResult, ChunkResult, SlotMismatch, SlotMoveEffects, SlotMoveGroup, SlotMoveStage } from '@shardline/saga-definitions';
import { flipSlots, grantSlots, regrantSource, releasePublishHold, revokeSlots, heldRowsOfSlots, slotOwnershipOf, type ShardDatabases } from '@shardline/sharding/mysql';
import { catchUpCursorAfter, type CatchUpCursor, type CopyCursor } from '../slot-copy.cursors';
import type { ChunkOptions, DeleteCursor } from '../slot-copier.port';
import { MysqlSlotCopier } from './mysql-slot-copier';
import { MysqlSlotMoveStore } from './mysql-slot-move.store';
import { copyCursorFrom } from '../shared-observation';
import { DEFAULTS } from './copy-chunk';
import { MysqlSourceObservations } from './source-observations';
import type { SlotMoveMetrics } from '../slot-move.metrics';

/**
 * Where a group's copy stands, saved in the saga between chunks: the events/records cursor of the
 * copy engine, then the Idempotency-Keys pass (docs/adr/0008, 4.8).
 */
export interface MoveCursor {
  data: CopyCursor | CatchUpCursor | null;
  keys: ProcessedCommandsCopyCursor | null;
  /** When the last keys pass started (worker clock, ms): the next pass reads keys from then minus the settle window. */
  keysPassStartedAt: number | null;
}

export interface MysqlSlotMoveEffectsOptions extends ChunkOptions {
  /** A catch-up chunk also runs a keys pass when the last one started this long ago (default 30 s). */
  keysPassEveryMs?: number;
  /** Backfill chunks run back to back in one saga job for up to this long (default 1 s). */
  jobBudgetMs?: number;
}

/** How long a key may be stamped before it commits, plus clock skew between writers and this worker. */
const KEYS_SETTLE_MS = 60_000;
const DEFAULT_KEYS_PASS_EVERY_MS = 30_000;
const DEFAULT_JOB_BUDGET_MS = 1_000;

/**
 * The slot-move saga's effects on MySQL (docs/adr/0008): the copy engine (events, records), the
 * Idempotency-Key copier, the ownership primitives on both shards and the map flip in the control
 * database, the relay hand-off, and the plan's rows for operators. Every effect is idempotent.
 */
export class MysqlSlotMoveEffects implements SlotMoveEffects {
  private readonly copier: MysqlSlotCopier;
  private readonly moves: MysqlSlotMoveStore;
  private readonly observations: MysqlSourceObservations;

  constructor(
    private readonly databases: ShardDatabases,
    private readonly options: MysqlSlotMoveEffectsOptions = {},
    private readonly metrics?: SlotMoveMetrics,
  ) {
    this.copier = new MysqlSlotCopier(databases);
    this.moves = new MysqlSlotMoveStore(databases.control);
    this.observations = new MysqlSourceObservations(databases.control);
  }

  /**
   * Admits the group while fewer than the plan's `parallel` groups are admitted and not released.
   * A plain read first: while every place is taken (most polls) no lock on the plan row is taken.
   */
  async admit(group: SlotMoveGroup): Promise<Admission> {
    const plan = await this.moves.plan(group.moveId);
    if (!plan) throw new Error(`slot move ${group.moveId} has no plan`);
    const parallel = Number(plan.options.parallel ?? 2);
    const queue = await this.moves.queueState(group.moveId, group.group);
    if (!queue.admitted && queue.running >= parallel) return { admitted: false, roundsAhead: Math.floor(queue.waitingAhead / parallel) };
    return (await this.moves.admit(group.moveId, group.group, parallel)) ? { admitted: true } : { admitted: false, roundsAhead: 0 };
  }

  async release(group: SlotMoveGroup): Promise<void> {
    await this.moves.release(group.moveId, group.group);
    await this.moves.finishPlanIfDone(group.moveId);
  }

  async report(group: SlotMoveGroup, stage: SlotMoveStage, progress: { rowsCopied?: number; rowsBehind?: number } = {}): Promise<void> {
    const rows = await this.moves.slots(group.moveId, group.group);
    const stored = stage;
    const changed = rows.some((r) => r.stage !== stored);
    const copiedBefore = rows.reduce((n, r) => n + r.rowsCopied, 0);
    // rows_copied is kept on the group's first slot (the copy is per group, not per slot).
    const first = [...group.slots].sort((a, b) => a - b)[0];
    const delta = progress.rowsCopied !== undefined ? Math.max(0, progress.rowsCopied - copiedBefore) : 0;
    if (changed) await this.moves.saveProgress(group.moveId, group.slots, { stage: stored, ...(progress.rowsBehind !== undefined ? { rowsBehind: progress.rowsBehind } : {}) });
    else if (progress.rowsBehind !== undefined) await this.moves.saveProgress(group.moveId, group.slots, { rowsBehind: progress.rowsBehind });
    if (delta > 0) await this.moves.saveProgress(group.moveId, [first], { rowsCopiedDelta: delta });
    this.metrics?.observe(group, stored, delta, progress.rowsBehind);
  }

  /**
   * Backfill chunks for up to `jobBudgetMs` (one saga job): a small group's copy is many short
   * chunks (two calls per partition, records, keys), and each job costs a state save and a queue
   * round trip. A crash re-copies at most the chunks of one job (idempotent).
   */
  async copyChunk(group: SlotMoveGroup, raw: unknown): Promise<ChunkResult> {
    const started = Date.now();
    let result = await this.copyOneChunk(group, raw);
    while (!result.done && !result.waitMs && Date.now() - started < (this.options.jobBudgetMs ?? DEFAULT_JOB_BUDGET_MS)) {
      const next = await this.copyOneChunk(group, result.cursor);
      result = { ...next, rows: result.rows + next.rows };
    }
    return result;
  }

  private async copyOneChunk(group: SlotMoveGroup, raw: unknown): Promise<ChunkResult> {
    const cursor = (raw as MoveCursor | null) ?? { data: null, keys: null, keysPassStartedAt: null };
    const data = cursor.data as CopyCursor | null;
    if (!data || data.kind === 'copy') {
      // The backfill is bounded by an observation of the source shared by the move's groups: one
      // older than the settle window lets this group copy at once (docs/adr/0008, 4.2).
      const settleMs = this.options.settleMs ?? DEFAULTS.settleMs;
      const start = data ?? copyCursorFrom(await this.observations.forBackfill(group.moveId, group.fromShard, this.databases.shard(group.fromShard), settleMs), settleMs);
      const chunk = await this.copier.copyChunk(group.fromShard, group.toShard, group.slots, start, this.options);
      const next: MoveCursor = { ...cursor, data: chunk.done ? catchUpCursorAfter(chunk.cursor) : chunk.cursor };
      return { cursor: next, rows: chunk.rowsCopied, done: false, waitMs: chunk.waitMs };
    }
    // Events and records are across: the keys of the slots, a first full pass.
    const keys = await this.keysChunk(group, cursor, null);
    const done = keys.cursor.keys?.done === true;
    return { cursor: done ? { ...keys.cursor, keys: null } : keys.cursor, rows: keys.copied, done };
  }

  async catchUpChunk(group: SlotMoveGroup, raw: unknown, { final }: { final: boolean }): Promise<CatchUpResult> {
    const cursor = raw as MoveCursor;
    const chunk = await this.copier.catchUpChunk(group.fromShard, group.toShard, group.slots, cursor.data as CatchUpCursor, { ...this.options, final });
    let next: MoveCursor = { ...cursor, data: chunk.cursor };
    let rows = chunk.rowsCopied;
    const dataDone = chunk.rowsBehind === 0 && chunk.pending.holes === 0;
    const due = cursor.keysPassStartedAt === null || Date.now() - cursor.keysPassStartedAt >= (this.options.keysPassEveryMs ?? DEFAULT_KEYS_PASS_EVERY_MS);
    const since = cursor.keysPassStartedAt === null ? null : new Date(cursor.keysPassStartedAt - KEYS_SETTLE_MS);
    if (final && dataDone) {
      // After the revoke nothing more commits for these slots on the source: one fresh pass from the
      // last pass's start (minus the settle window) to the end finds every key the others missed.
      next = { ...next, keys: null };
      do {
        const keys = await this.keysChunk(group, next, since);
        next = keys.cursor;
        rows += keys.copied;
      } while (!next.keys?.done);
      return { cursor: { ...next, keys: null }, rows, rowsBehind: chunk.rowsBehind, done: true };
    }
    // Now and then while catching up, a chunk of keys committed since the last pass: the final pass stays short.
    if (!final && (cursor.keys !== null || due)) {
      const keys = await this.keysChunk(group, next, since);
      next = keys.cursor.keys?.done ? { ...keys.cursor, keys: null } : keys.cursor;
      rows += keys.copied;
    }
    return { cursor: next, rows, rowsBehind: chunk.rowsBehind, done: dataDone };
  }

  async verify(group: SlotMoveGroup, { upTo }: { upTo: unknown }): Promise<SlotMismatch[]> {
    const cursor = upTo as MoveCursor | null;
    const below = cursor?.data && cursor.data.kind === 'catch-up' ? { cursor: cursor.data, settleMs: this.options.settleMs } : undefined;
    const result = await this.copier.verifySlots(group.fromShard, group.toShard, group.slots, below ? { below } : {});
    return result.mismatches.map((m) => ({ slot: m.slot, what: m.table, source: `${m.source.count} rows, checksum ${m.source.checksum}`, target: `${m.target.count} rows, checksum ${m.target.checksum}` }));
  }

  async deleteTargetChunk(group: SlotMoveGroup, cursor: unknown): Promise<{ done: boolean; cursor: unknown }> {
    const chunk = await this.copier.deleteSlotRows(group.toShard, group.slots, { chunkRows: this.options.chunkRows, cursor: (cursor as DeleteCursor | null) ?? null });
    if (!chunk.done) return { done: false, cursor: chunk.cursor };
    // Keys last: deleted in chunks until none of the slots' is left (NULL-slot batch parts stay, 4.8).
    while ((await deleteProcessedCommandsOfSlots(this.databases.shard(group.toShard), group.slots, { chunkRows: this.options.chunkRows })) > 0);
    return { done: true, cursor: chunk.cursor };
  }

  async revokeSource(group: SlotMoveGroup): Promise<void> {
    await revokeSlots(this.databases.shard(group.fromShard), group.slots);
  }

  async regrantSource(group: SlotMoveGroup): Promise<void> {
    for (const [epoch, slots] of byEpoch(group)) await regrantSource(this.databases.shard(group.fromShard), slots, epoch);
  }

  /**
   * Rows a saga holds on the source: an atomic batch's staged rows, and records a record move has
   * locked (`moving_out_by`, ADR 0004). A slot carrying either is not cut over: the saga holding them
   * addresses the owner at each step, and a hold must end where it began.
   */
  stagedRows(group: SlotMoveGroup): Promise<number> {
    return heldRowsOfSlots(this.databases.shard(group.fromShard), group.slots);
  }

  async grantTarget(group: SlotMoveGroup): Promise<void> {
    for (const [epoch, slots] of byEpoch(group)) await grantSlots(this.databases.shard(group.toShard), slots, epoch + 1, { publishHold: true });
  }

  async revokeTarget(group: SlotMoveGroup): Promise<void> {
    await revokeSlots(this.databases.shard(group.toShard), group.slots);
  }

  async flip(group: SlotMoveGroup): Promise<void> {
    await flipSlots(this.databases.control, group.slots, group.toShard, new Map(group.slots.map((slot, i) => [slot, group.epochs[i]])));
  }

  async flipped(group: SlotMoveGroup): Promise<boolean> {
    const owners = new Map((await slotOwnershipOf(this.databases.control, group.slots)).map((o) => [o.slot, o]));
    return group.slots.every((slot, i) => owners.get(slot)?.shard === group.toShard && owners.get(slot)?.epoch === group.epochs[i] + 1);
  }

  sourceOutboxRows(group: SlotMoveGroup): Promise<number> {
    return outboxRowsOfSlots(this.databases.shard(group.fromShard), group.slots);
  }

  async releasePublishHold(group: SlotMoveGroup): Promise<void> {
    await releasePublishHold(this.databases.shard(group.toShard), group.slots);
  }

  /** One chunk of a keys pass (a new pass starts when none is under way). */
  private async keysChunk(group: SlotMoveGroup, cursor: MoveCursor, since: Date | null): Promise<{ cursor: MoveCursor; copied: number }> {
    const starting = cursor.keys === null;
    const keys = cursor.keys ?? processedCommandsCopyStart(group.slots, since);
    const step = await copyProcessedCommandsOfSlots(this.databases.shard(group.fromShard), this.databases.shard(group.toShard), group.slots, keys, { chunkRows: this.options.chunkRows });
    return { cursor: { ...cursor, keys: step.cursor, keysPassStartedAt: starting ? Date.now() : cursor.keysPassStartedAt }, copied: step.copied };
  }
}

/** The group's slots by their planned epoch (usually one epoch for all). */
function byEpoch(group: SlotMoveGroup): Map<number, number[]> {
  const out = new Map<number, number[]>();
  group.slots.forEach((slot, i) => out.set(group.epochs[i], [...(out.get(group.epochs[i]) ?? []), slot]));
  return out;
}

