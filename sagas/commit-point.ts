import { PivotReachedError } from '@shardline/sagas';
import type { CommitPointDecision } from './atomic-batch/atomic-batch.effects';

/** The commands on a saga's single commit point (docs/adr/0003), as its effects offer them. */
export interface CommitPointEffects {
  openCommitPoint(writeSetId: string): Promise<void>;
  /** pending → committed; answers the decision that holds (voided if a void came first). */
  commit(writeSetId: string): Promise<CommitPointDecision | 'pending'>;
  /** pending → voided; answers the decision that holds (committed if the commit came first). */
  void(writeSetId: string): Promise<CommitPointDecision | 'pending'>;
}

/**
 * The first thing every compensation before a pivot does: void the commit point — or, if a late
 * attempt of the commit step committed it after all, turn the saga forward (PivotReachedError)
 * instead of undoing what is already visible. Opened first, so voiding never finds it missing.
 */
export async function voidOrGoForward(effects: CommitPointEffects, writeSetId: string): Promise<void> {
  await effects.openCommitPoint(writeSetId);
  const decision = await effects.void(writeSetId);
  if (decision === 'committed') throw new PivotReachedError(`the commit point of ${writeSetId} was committed by an earlier attempt`);
}
