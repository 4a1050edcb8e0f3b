import type { CommitPoints } from '@shardline/commit-points';
import { InternalError, UnavailableError } from '@shardline/errors';
import { isStreamVersionConflict, type EventStore } from '@shardline/event-store';
import {
  decideMoveRecordIn,
  decideMoveRecordOut,
  evolve,
  initialState,
  noRecordCache,
  planStreamWrite,
  stagedStreamOf,
  type CommandContext,
  type RecordCacheInvalidator,
  type RecordMoveStore,
  type RecordStateChange,
} from '@shardline/records';
import type { MovePair, MoveRecordsEffects, MoveScope, MoveWrite } from '@shardline/saga-definitions';
import type { ShardRouter } from '@shardline/sharding';
import { onCurrentOwners } from './current-owners';
import { MoveFingerprinter } from './move-fingerprint';

/** Records read at once when fingerprinting, and cache entries forgotten at once (auto-pipelined). */
const CHUNK = 500;

/**
 * The move-records saga's commands on the records' event store, the `records` rows of a move and the
 * commit points. A copy is decided as RecordMovedIn from the held source, a retirement as
 * RecordMovedOut (records/commands/move-records), and both are written through planStreamWrite like
 * every other record write: the copies staged under the saga's commit point, the retirements as
 * ordinary appends (events + row delete + outbox in one local transaction) guarded by the saga's lock.
 *
 * The shards are those that own the two businesses now (docs/adr/0008, 4.8), not the move's
 * `fromShard`/`toShard` from when it started: every step first brings the map up to date (one
 * primary-key read of the map version), so a slot that moved before the sources were locked or the
 * copies staged is addressed at its new owner. The lock and the appends are fenced (a shard that does
 * not own the slot refuses them, the step reloads the map and tries again); once locked or staged,
 * a slot does not move (the plan and the cutover refuse slots with locked or staged records), so the
 * later steps find the rows at the same owner.
 */
export class RecordsMoveEffects implements MoveRecordsEffects {
  constructor(
    private readonly store: EventStore<RecordStateChange>,
    private readonly commitPoints: CommitPoints,
    private readonly rows: RecordMoveStore,
    private readonly router: ShardRouter,
    private readonly cache: RecordCacheInvalidator = noRecordCache,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  openCommitPoint(writeSetId: string): Promise<void> {
    return this.commitPoints.open(writeSetId);
  }

  commit(writeSetId: string) {
    return this.commitPoints.commit(writeSetId);
  }

  void(writeSetId: string) {
    return this.commitPoints.void(writeSetId);
  }

  lockSources(move: MoveScope, pairs: readonly MovePair[]): Promise<number> {
    return this.onOwners(async () => this.rows.lock(this.sourceShard(move), move.sagaId, move.fromBusinessId, sourceIds(pairs)));
  }

  async unlockSources(move: MoveScope, pairs: readonly MovePair[]): Promise<number> {
    await this.router.refresh();
    return this.rows.unlock(this.sourceShard(move), move.sagaId, sourceIds(pairs));
  }

  stageCopies(move: MoveScope, pairs: readonly MovePair[], write: MoveWrite): Promise<number> {
    return this.onOwners(() => this.stageCopiesOn(this.sourceShard(move), this.copyShard(move), move, pairs, write));
  }

  private async stageCopiesOn(fromShard: number, toShard: number, move: MoveScope, pairs: readonly MovePair[], write: MoveWrite): Promise<number> {
    const held = new Map((await this.rows.readLocked(fromShard, move.sagaId, sourceIds(pairs))).map((s) => [s.id, s]));
    const context = contextOf(move, write);
    const writes = pairs.map((pair) => {
      const source = held.get(pair.from_id);
      if (!source) throw new InternalError('MOVE.LOCK_LOST', `source ${pair.from_id} of move ${move.sagaId} is not held by it`);
      const events = decideMoveRecordIn(source, { businessId: move.toBusinessId, recordId: pair.to_id });
      return planStreamWrite(context, { businessId: move.toBusinessId, recordId: pair.to_id, events, before: null, after: events.reduce(evolve, initialState()) });
    });
    // A repeated chunk (a retried, redelivered or duplicated job) finds its command id and writes nothing.
    await this.store.appendBatch({
      shard: toShard,
      writes,
      stagedBy: move.sagaId,
      idempotency: { commandId: write.commandId, requestHash: 'move-records:copy', response: { staged: writes.length } },
    });
    return writes.length;
  }

  discardCopies(move: MoveScope, pairs: readonly MovePair[]): Promise<number> {
    return this.onOwners(() => this.store.discardStaged(this.copyShard(move), move.sagaId, copyStreams(move, pairs)));
  }

  async fingerprints(move: MoveScope, pairs: readonly MovePair[]) {
    await this.router.refresh();
    const [fromShard, toShard] = [this.sourceShard(move), this.copyShard(move)];
    const sources = new MoveFingerprinter();
    const copies = new MoveFingerprinter();
    for (let start = 0; start < pairs.length; start += CHUNK) {
      const chunk = pairs.slice(start, start + CHUNK);
      const held = new Map((await this.rows.readLocked(fromShard, move.sagaId, sourceIds(chunk))).map((s) => [s.id, s]));
      const staged = new Map((await this.rows.readStaged(toShard, move.sagaId, chunk.map((p) => p.to_id))).map((s) => [s.id, s]));
      chunk.forEach((pair, i) => {
        const source = held.get(pair.from_id);
        const copy = staged.get(pair.to_id);
        if (source?.businessId === move.fromBusinessId) sources.add(start + i, source);
        if (copy?.businessId === move.toBusinessId && copy.version === 1) copies.add(start + i, copy);
      });
    }
    return { sources: sources.result(), copies: copies.result() };
  }

  releaseCopies(move: MoveScope, pairs: readonly MovePair[]): Promise<number> {
    return this.onOwners(() => this.store.releaseStaged(this.copyShard(move), move.sagaId, copyStreams(move, pairs)));
  }

  retireSources(move: MoveScope, pairs: readonly MovePair[], write: MoveWrite): Promise<number> {
    return this.onOwners(() => this.retireSourcesOn(this.sourceShard(move), move, pairs, write));
  }

  private async retireSourcesOn(fromShard: number, move: MoveScope, pairs: readonly MovePair[], write: MoveWrite): Promise<number> {
    // Only the sources still held: a chunk retired by an earlier attempt has none left (its rows are gone).
    const held = await this.rows.readLocked(fromShard, move.sagaId, sourceIds(pairs));
    if (held.length === 0) return 0;
    const copyOf = new Map(pairs.map((p) => [p.from_id, p.to_id]));
    const context = contextOf(move, write);
    const now = this.clock();
    const writes = held.map((source) => {
      const events = decideMoveRecordOut(source, { sagaId: move.sagaId, to: { businessId: move.toBusinessId, recordId: copyOf.get(source.id)! }, now });
      return planStreamWrite(context, { businessId: move.fromBusinessId, recordId: source.id, events, before: source, after: null });
    });
    try {
      const outcome = await this.store.appendBatch({
        shard: fromShard,
        writes,
        idempotency: { commandId: write.commandId, requestHash: 'move-records:retire', response: { retired: writes.length } },
      });
      return outcome.kind === 'appended' ? writes.length : 0;
    } catch (error) {
      // A writer refused by the lock may still have its event insert in flight on the same version: try again.
      if (isStreamVersionConflict(error)) throw new UnavailableError('MOVE.RETIRE_RACED', `retiring the sources of ${move.sagaId} raced a refused write; retrying`, error);
      throw error;
    }
  }

  async forgetCachedSources(move: MoveScope, pairs: readonly MovePair[]): Promise<void> {
    for (let i = 0; i < pairs.length; i += CHUNK) {
      await Promise.all(pairs.slice(i, i + CHUNK).map((p) => this.cache.invalidate(move.fromBusinessId, p.from_id)));
    }
  }

  /** The step on the owners of now: the map brought up to date first, reloaded again when a shard refuses the slot. */
  private async onOwners<T>(step: () => Promise<T>): Promise<T> {
    await this.router.refresh();
    return onCurrentOwners(this.router, step);
  }

  private sourceShard(move: MoveScope): number {
    return this.router.shardFor(move.fromBusinessId);
  }

  private copyShard(move: MoveScope): number {
    return this.router.shardFor(move.toBusinessId);
  }
}

const sourceIds = (pairs: readonly MovePair[]) => pairs.map((p) => p.from_id);

function copyStreams(move: MoveScope, pairs: readonly MovePair[]) {
  return pairs.map((p) => stagedStreamOf(p.to_id, move.toBusinessId));
}

/** The events of a move are caused by its saga and correlated with the client's request. */
function contextOf(move: MoveScope, write: MoveWrite): CommandContext {
  return { commandId: write.commandId, clientSupplied: true, correlationId: write.correlationId, causationId: move.sagaId, actor: write.actor };
}
