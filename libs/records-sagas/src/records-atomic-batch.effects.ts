import type { CommitPoints } from '@shardline/commit-points';
import type { EventStore, StagedStream } from '@shardline/event-store';
import { CreateRecord, decideAndEvolve, initialState, planStreamWrite, stagedStreamOf, stamped, type CommandContext, type RecordStateChange } from '@shardline/records';
import type { AtomicBatchEffects, AtomicBatchPart, StageContext } from '@shardline/saga-definitions';

/**
 * The atomic-batch saga's commands, on the records' event store and the commit points. Each
 * record of a part is decided as the CreateRecord it stands for, with the id fixed when the batch
 * was accepted, and the part is appended as one transaction staged under the write set.
 */
export class RecordsAtomicBatchEffects implements AtomicBatchEffects {
  constructor(
    private readonly store: EventStore<RecordStateChange>,
    private readonly commitPoints: CommitPoints,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  openCommitPoint(writeSetId: string): Promise<void> {
    return this.commitPoints.open(writeSetId);
  }

  async stagePart(part: AtomicBatchPart, stage: StageContext): Promise<void> {
    const context: CommandContext = { commandId: stage.commandId, clientSupplied: true, correlationId: stage.correlationId, causationId: stage.writeSetId, actor: stage.actor };
    const now = this.clock();
    const writes = part.records.map((record) => {
      const command = stamped(new CreateRecord({ businessId: record.business_id, userId: record.user_id, dataContent: record.data_content }, context), { now, recordId: record.id });
      const { events, after } = decideAndEvolve(command, initialState());
      return planStreamWrite(context, { businessId: record.business_id, recordId: record.id, events, before: null, after });
    });
    // A repeated stage of this part (a retried or duplicated job) finds its command id and writes nothing.
    await this.store.appendBatch({
      shard: part.shard,
      writes,
      stagedBy: stage.writeSetId,
      idempotency: { commandId: stage.commandId, requestHash: 'atomic-batch:stage', response: { staged: writes.length } },
    });
  }

  commit(writeSetId: string) {
    return this.commitPoints.commit(writeSetId);
  }

  void(writeSetId: string) {
    return this.commitPoints.void(writeSetId);
  }

  async releasePart(part: AtomicBatchPart, writeSetId: string): Promise<void> {
    await this.store.releaseStaged(part.shard, writeSetId, stagedStreamsOf(part));
  }

  async discardPart(part: AtomicBatchPart, writeSetId: string): Promise<void> {
    await this.store.discardStaged(part.shard, writeSetId, stagedStreamsOf(part));
  }
}

function stagedStreamsOf(part: AtomicBatchPart): StagedStream[] {
  return part.records.map((r) => stagedStreamOf(r.id, r.business_id));
}
