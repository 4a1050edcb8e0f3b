import type { CommandContext } from '../commands/command-context';
import type { CommandOutcome } from '../commands/command-outcome';
import type { BatchResult } from '../commands/create-records-batch/create-records-batch.result';

export const ATOMIC_BATCHES = Symbol('AtomicBatches');

/** One record of an accepted atomic batch: its id and shard are fixed before anything is written. */
export interface AtomicBatchRecordPlan {
  index: number;
  recordId: string;
  shard: number;
  businessId: string;
  userId: string;
  dataContent: Record<string, unknown>;
}

export interface AtomicBatchPlan {
  context: CommandContext;
  /** Fingerprint of the request: the same Idempotency-Key with another body is refused. */
  requestHash: string;
  records: AtomicBatchRecordPlan[];
  /** The client asked not to wait (`Prefer: respond-async`): answer 202 with the status URL at once. */
  respondAsync: boolean;
}

/** The answer while an atomic batch is still in progress (202 Accepted). */
export interface AtomicBatchAccepted {
  saga_id: string;
  status: 'running';
  status_url: string;
}

/**
 * Runs an atomic batch: all records visible at once or none ever (the atomic-batch saga). Answers
 * 201 with per-record results once committed, 202 with the status URL when asked not to wait or
 * when the outcome takes longer than the wait allowed, or fails with the reason (nothing visible).
 * Apps without the saga runtime bind nothing here: atomic batches then answer 501.
 */
export interface AtomicBatches {
  run(plan: AtomicBatchPlan): Promise<CommandOutcome<BatchResult | AtomicBatchAccepted>>;
}
