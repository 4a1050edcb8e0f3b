import { CommandOutcome } from '../command-outcome';

export type BatchItemResult =
  | { index: number; status: 201; id: string; version: number; business_id: string }
  | { index: number; status: 503; error: { code: string; message: string } };

export interface BatchResult {
  results: BatchItemResult[];
  created: number;
  failed: number;
}

/**
 * A batch's answer: 201 when every record was created, 503 when none was (every shard part failed),
 * 207 in between. Batches replay per shard part, so the whole is never reported as a replay.
 */
export function batchOutcomeOf(items: BatchItemResult[]): CommandOutcome<BatchResult> {
  const results = [...items].sort((a, b) => a.index - b.index);
  const created = results.filter((r) => r.status === 201).length;
  const failed = results.length - created;
  return { status: failed === 0 ? 201 : created === 0 ? 503 : 207, response: { results, created, failed }, replayed: false };
}
