export const COMMIT_POINTS = Symbol('CommitPoints');

export type CommitPointStatus = 'pending' | 'committed' | 'voided';

/**
 * The one place where a write staged on several shards becomes visible, all at once: rows staged
 * under a commit point id are visible exactly when its status is `committed`. `commit` and `void`
 * are conditional on `pending`, so whichever comes first decides and the other learns the outcome.
 */
export interface CommitPoints {
  /** Creates the commit point as pending (idempotent: an existing one is left as it is). */
  open(id: string): Promise<void>;
  /** pending → committed; returns the status after the call (`voided` if a void came first). */
  commit(id: string): Promise<CommitPointStatus>;
  /** pending → voided; returns the status after the call (`committed` if the commit came first). */
  void(id: string): Promise<CommitPointStatus>;
  /** Status of each id; an unknown id counts as pending (its rows stay invisible). */
  statusOf(ids: readonly string[]): Promise<Map<string, CommitPointStatus>>;
}
