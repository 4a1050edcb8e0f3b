import { UnavailableError } from '@shardline/errors';
import { isStreamVersionConflict, type EventStore } from '@shardline/event-store';
import { beforeRetryOfMovedSlot, decideEraseRecord, planStreamWrite, type CommandContext, type RecordCacheInvalidator, type RecordStateChange, type UserRecordStore } from '@shardline/records';
import type { EraseUserEffects, ForgottenKey } from '@shardline/saga-definitions';
import type { ShardRouter } from '@shardline/sharding';

/** Records erased per transaction: one multi-row append per chunk. */
const CHUNK = 500;

export interface RecordsEraseUserDeps {
  store: EventStore<RecordStateChange>;
  users: UserRecordStore;
  /** The shards there are now (registered shards included, docs/adr/0008). */
  shardCount(): number;
  /** The live slot map: rows of slots a shard does not own are left to their owner (docs/adr/0008). */
  router: ShardRouter;
  cache: RecordCacheInvalidator;
  /** Forgets the user's data key (libs/user-keys); undefined where payloads are not sealed. */
  forgetKey(userId: string): Promise<ForgottenKey>;
  search: { eraseUser(userId: string): Promise<number> };
  analytics: { eraseUser(userId: string, signal?: AbortSignal): Promise<number> };
  clock?: () => Date;
}

/**
 * The erase-user saga's commands on the records' stores and the read models. Every one is safe
 * to repeat, and a repeat reports the same counts: a shard's count is taken once, when its erasure
 * first begins, and remembered under the step's command id in that shard's idempotency store.
 */
export class RecordsEraseUserEffects implements EraseUserEffects {
  constructor(private readonly deps: RecordsEraseUserDeps) {}

  shards(): number[] {
    return Array.from({ length: this.deps.shardCount() }, (_, shard) => shard);
  }

  mapVersion(): number {
    return this.deps.router.version;
  }

  forgetKey(userId: string): Promise<ForgottenKey> {
    return this.deps.forgetKey(userId);
  }

  /**
   *   1. count the user's rows on the shard, once (remembered under `${commandId}:count`);
   *   2. take the next chunk of the user's rows; none left → done;
   *   3. a row a saga holds (an atomic batch not yet released, a move) → retry later: erasing it now
   *      would let the saga bring it back;
   *   4. append RecordErased for each (its row deleted, published like a delete) in one transaction;
   *      a concurrent update of one of them → take the chunk again;
   *   5. clear their cache entries; back to 2.
   * Rows of slots the map gives to another shard are skipped (docs/adr/0008, 4.7–4.8): the copy a
   * slot move left behind until its cleanup, which deletes it; the owner's step erases the live rows
   * (a round during which the map changed is run again: see the erase-user saga). The map is brought up to date
   * first (one primary-key read); a chunk the shard's fence refuses (a slot that moved since) is taken
   * again after a reload. The count (1.) is of every row of the user on the shard, copies included.
   */
  async eraseRecordsOnShard(userId: string, shard: number, commandId: string, signal: AbortSignal, actor: string | null = null): Promise<{ records: number }> {
    const counted = await this.countOnce(userId, shard, `${commandId}:count`);
    const context: CommandContext = { commandId, clientSupplied: false, correlationId: commandId, causationId: commandId, actor };
    const { router } = this.deps;
    await router.refresh();
    // Ids of rows left to another shard: never erased here, so asked for on top of each chunk.
    const elsewhere = new Set<string>();
    let moved = 0;
    for (;;) {
      if (signal.aborted) throw new UnavailableError('ERASE.INTERRUPTED', `erasure on shard ${shard} interrupted; it resumes where it stopped`);
      const rows = [];
      for (const row of await this.deps.users.next(shard, userId, CHUNK + elsewhere.size)) {
        if (elsewhere.has(row.state.id)) continue;
        if (router.shardFor(row.state.businessId) === shard) rows.push(row);
        else elsewhere.add(row.state.id);
      }
      if (rows.length === 0) return { records: counted };
      const held = rows.find((r) => r.stagedBy !== null || r.movingOutBy !== null);
      if (held) {
        throw new UnavailableError('ERASE.RECORD_HELD', `record ${held.state.id} is held by saga ${held.stagedBy ?? held.movingOutBy}; the erasure retries once it is done`);
      }
      const now = (this.deps.clock ?? (() => new Date()))();
      const writes = rows.map(({ state }) => planStreamWrite(context, { businessId: state.businessId, recordId: state.id, events: decideEraseRecord(state, now), before: state, after: null }));
      try {
        await this.deps.store.appendBatch({ shard, writes });
      } catch (error) {
        if (isStreamVersionConflict(error)) continue;
        await beforeRetryOfMovedSlot(error, ++moved, router);
        elsewhere.clear();
        continue;
      }
      for (const { state } of rows) await this.deps.cache.invalidate(state.businessId, state.id);
    }
  }

  async eraseSearch(userId: string): Promise<{ documents: number }> {
    return { documents: await this.deps.search.eraseUser(userId) };
  }

  async eraseAnalytics(userId: string): Promise<{ rows: number }> {
    return { rows: await this.deps.analytics.eraseUser(userId) };
  }

  private async countOnce(userId: string, shard: number, countId: string): Promise<number> {
    const stored = await this.deps.store.findCommandResult(shard, countId);
    if (stored) return (stored.response as { records: number }).records;
    const records = await this.deps.users.count(shard, userId);
    const outcome = await this.deps.store.append({ shard, writes: [], idempotency: { commandId: countId, requestHash: 'erase-user:count', response: { records } } });
    return outcome.kind === 'duplicate' ? (outcome.stored.response as { records: number }).records : records;
  }
}
