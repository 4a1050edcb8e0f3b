import type { CommitPoints } from '@shardline/commit-points';
import type { EventStore, StagedStream } from '@shardline/event-store';
import { CreateRecord, decideAndEvolve, initialState, planStreamWrite, stagedStreamOf, stamped, type CommandContext, type RecordStateChange } from '@shardline/records';
import type { AtomicBatchEffects, AtomicBatchPart, AtomicBatchRecord, StageContext } from '@shardline/saga-definitions';
import type { ShardRouter } from '@shardline/sharding';
import { byOwner, onCurrentOwners } from './current-owners';

/**
 * The atomic-batch saga's commands, on the records' event store and the commit points. Each
 * record of a part is decided as the CreateRecord it stands for, with the id fixed when the batch
 * was accepted, and the part is appended as one transaction staged under the write set.
 *
 * Every step addresses the shards that own the part's businesses now (docs/adr/0008, 4.8), not the
 * part's shard from when the batch was accepted: a slot that moved before its records were staged
 * is staged on its new owner (a part may so span shards; each shard's share is appended under its
 * own command id, the part's own on the part's shard). Staged rows never move (a cutover refuses a
 * slot with staged rows), so release and discard find them at the owner of the moment; a shard
 * that neither owns the slot nor holds its staged rows refuses, and the step reloads the map.
 */
export class RecordsAtomicBatchEffects implements AtomicBatchEffects {
  constructor(
    private readonly store: EventStore<RecordStateChange>,
    private readonly commitPoints: CommitPoints,
    private readonly router: ShardRouter,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  openCommitPoint(writeSetId: string): Promise<void> {
    return this.commitPoints.open(writeSetId);
  }

  async stagePart(part: AtomicBatchPart, stage: StageContext): Promise<void> {
    const context: CommandContext = { commandId: stage.commandId, clientSupplied: true, correlationId: stage.correlationId, causationId: stage.writeSetId, actor: stage.actor };
    const now = this.clock();
    const writeOf = (record: AtomicBatchRecord) => {
      const command = stamped(new CreateRecord({ businessId: record.business_id, userId: record.user_id, dataContent: record.data_content }, context), { now, recordId: record.id });
      const { events, after } = decideAndEvolve(command, initialState());
      return planStreamWrite(context, { businessId: record.business_id, recordId: record.id, events, before: null, after });
    };
    await onCurrentOwners(this.router, async () => {
      for (const [shard, records] of byOwner(this.router, part.records, (r) => r.business_id)) {
        const writes = records.map(writeOf);
        // A repeated stage of this share (a retried or duplicated job) finds its command id and writes nothing.
        await this.store.appendBatch({
          shard,
          writes,
          stagedBy: stage.writeSetId,
          idempotency: { commandId: shard === part.shard ? stage.commandId : `${stage.commandId}@shard${shard}`, requestHash: 'atomic-batch:stage', response: { staged: writes.length } },
        });
      }
    });
  }

  commit(writeSetId: string) {
    return this.commitPoints.commit(writeSetId);
  }

  void(writeSetId: string) {
    return this.commitPoints.void(writeSetId);
  }

  releasePart(part: AtomicBatchPart, writeSetId: string): Promise<void> {
    return this.endStaging(part, (shard, streams) => this.store.releaseStaged(shard, writeSetId, streams));
  }

  discardPart(part: AtomicBatchPart, writeSetId: string): Promise<void> {
    return this.endStaging(part, (shard, streams) => this.store.discardStaged(shard, writeSetId, streams));
  }

  private endStaging(part: AtomicBatchPart, end: (shard: number, streams: StagedStream[]) => Promise<number>): Promise<void> {
    return onCurrentOwners(this.router, async () => {
      for (const [shard, records] of byOwner(this.router, part.records, (r) => r.business_id)) await end(shard, records.map((r) => stagedStreamOf(r.id, r.business_id)));
    });
  }
}
