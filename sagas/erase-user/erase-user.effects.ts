/**
 * What the erase-user saga needs done. Every effect is safe to repeat: erasing cannot be undone,
 * so the saga has no compensation and a retried step must find its work done and report it again.
 */
export interface ForgottenKey {
  /** False when the user had no key (never wrote, or already erased). */
  keyExisted: boolean;
  /** From then on no process can open the sealed copies (events, Kafka, dead letters, backups). */
  unreadableFrom: string;
}

export interface EraseUserEffects {
  /** The shards to erase on (user_id is not the shard key: all of them). */
  shards(): number[];
  /**
   * The version of the slot map this process routes by (0 when it never changes). Each shard's
   * erasure skips rows of slots the map gives to another shard, so a slot that moved while the
   * shards were being erased may have been skipped on both sides: the step goes round again.
   */
  mapVersion(): number;
  forgetKey(userId: string): Promise<ForgottenKey>;
  /**
   * Deletes the user's records on one shard (a RecordErased event each, published like a delete).
   * Returns how many the shard held when this erasure first began there: the count is remembered
   * under `commandId`, so a retried attempt (after part of the work was done) reports the same.
   */
  eraseRecordsOnShard(userId: string, shard: number, commandId: string, signal: AbortSignal, actor: string | null): Promise<{ records: number }>;
  /** Deletes the user's documents from the search read model; returns how many. */
  eraseSearch(userId: string): Promise<{ documents: number }>;
  /** Deletes the user's rows from the analytics read model (raw events and latest state); returns how many. */
  eraseAnalytics(userId: string): Promise<{ rows: number }>;
}
