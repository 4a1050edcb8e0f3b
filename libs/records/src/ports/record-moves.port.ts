import type { CommandContext } from '../commands/command-context';
import type { CommandOutcome } from '../commands/command-outcome';

export const RECORD_MOVES = Symbol('RecordMoves');

/** A move as accepted: its businesses and their shards are fixed before anything is written. */
export interface RecordMovePlan {
  context: CommandContext;
  /** Fingerprint of the request: the same Idempotency-Key with another body is refused. */
  requestHash: string;
  fromBusinessId: string;
  fromShard: number;
  toBusinessId: string;
  toShard: number;
  /** The records named by the request; null: every record of the source business. */
  recordIds: string[] | null;
  /** `Prefer: respond-async`: answer 202 with the status URL at once. */
  respondAsync: boolean;
}

/** The answer once the move's commit point is committed: each source id and the id it lives on as. */
export interface RecordMoveResult {
  saga_id: string;
  from_business_id: string;
  to_business_id: string;
  moved: Array<{ from_id: string; to_id: string }>;
  count: number;
}

/** The answer while a move is still in progress (202 Accepted). */
export interface RecordMoveAccepted {
  saga_id: string;
  status: 'running';
  status_url: string;
}

/**
 * Runs a move of records to another business (the move-records saga): 201 with the moved ids once
 * committed, 202 with the status URL when asked not to wait or when the commit takes longer than the
 * wait allowed, or fails with the reason (nothing changed). Apps without the saga runtime bind
 * nothing here: moves then answer 501.
 */
export interface RecordMoves {
  run(plan: RecordMovePlan): Promise<CommandOutcome<RecordMoveResult | RecordMoveAccepted>>;
}
