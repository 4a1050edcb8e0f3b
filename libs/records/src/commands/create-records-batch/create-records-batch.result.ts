import { CommandOutcome } from '../command-outcome';

/** A record's outcome: created, or why its shard part was not written (503 shard down, 422 key reused by a concurrent request, 500 a bug). */
export type BatchItemResult =
  | { index: number; status: 201; id: string; version: number; business_id: string }
  | { index: number; status: 422 | 500 | 503; error: { code: string; message: string } };

export interface BatchResult {
  results: BatchItemResult[];
  created: number;
  failed: number;
}

/**
 * A batch's answer: 201 when every record was created; when none was and every part failed alike,
 * that status (503: every shard down); 207 otherwise, each record saying what happened to it.
 * Batches replay per shard part, so the whole is never reported as a replay.
 */
export function batchOutcomeOf(items: BatchItemResult[]): CommandOutcome<BatchResult> {
  const results = [...items].sort((a, b) => a.index - b.index);
  const created = results.filter((r) => r.status === 201).length;
  const failed = results.length - created;
  const failures = new Set(results.filter((r) => r.status !== 201).map((r) => r.status));
  const status = failed === 0 ? 201 : created === 0 && failures.size === 1 ? (results[0].status as 422 | 500 | 503) : 207;
  return { status, response: { results, created, failed }, replayed: false };
}
