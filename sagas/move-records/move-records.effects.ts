import type { CommitPointEffects } from '../commit-point';

/**
 * What the move-records saga needs done, as commands against the shards, the control database and
 * the read cache. Implemented by the records application (libs/records-sagas) over the event store,
 * the `records` rows of a move and the commit points; a spec may implement it in memory.
 */

/** A source record and the id it lives on as in the target business (minted when the move was accepted). */
export interface MovePair {
  from_id: string;
  to_id: string;
}

/** Where a move takes records from and to; its saga id names its lock and its commit point. */
export interface MoveScope {
  sagaId: string;
  fromBusinessId: string;
  fromShard: number;
  toBusinessId: string;
  toShard: number;
}

export interface MoveWrite {
  /** The step's command id for this part: the shard's idempotency store answers a repeat. */
  commandId: string;
  /** The client request's correlation id, carried into every event's metadata. */
  correlationId: string;
  /** The API key behind the request (every event's `actor`). */
  actor: string | null;
}

/** Count and checksum of the content of one side of a move, pair by pair (user and data_content). */
export interface MoveFingerprint {
  count: number;
  checksum: string;
}

/** The move's commit point is named by its saga id, like its lock. */
export interface MoveRecordsEffects extends CommitPointEffects {
  /**
   * Marks every source row as moving out under the saga, all or none, while its commit point is
   * pending. A source gone from the business, or held by another saga, refuses the move for good.
   */
  lockSources(move: MoveScope, pairs: readonly MovePair[]): Promise<number>;
  /** Clears the mark of the sources this saga holds (never another saga's). Idempotent. */
  unlockSources(move: MoveScope, pairs: readonly MovePair[]): Promise<number>;
  /** Writes the copies of these held sources on the target shard, staged under the saga's commit point; idempotent under `write.commandId`. */
  stageCopies(move: MoveScope, pairs: readonly MovePair[], write: MoveWrite): Promise<number>;
  /** Deletes the staged copies (never visible, never published). Idempotent. */
  discardCopies(move: MoveScope, pairs: readonly MovePair[]): Promise<number>;
  /** The held sources and the staged copies, fingerprinted pair by pair. */
  fingerprints(move: MoveScope, pairs: readonly MovePair[]): Promise<{ sources: MoveFingerprint; copies: MoveFingerprint }>;
  /** The copies lose their marker and get their outbox rows. Idempotent. */
  releaseCopies(move: MoveScope, pairs: readonly MovePair[]): Promise<number>;
  /** Each held source gets RecordMovedOut and its row is deleted, published through the outbox, one local transaction; idempotent. */
  retireSources(move: MoveScope, pairs: readonly MovePair[], write: MoveWrite): Promise<number>;
  /** Drops the sources from the read cache, so no cached reader serves them once the move committed. */
  forgetCachedSources(move: MoveScope, pairs: readonly MovePair[]): Promise<void>;
}
