/** What one bulk item's answer means for the projection. */
export type BulkItemOutcome = 'applied' | 'reject' | 'transient';

/**
 * - 2xx: written.
 * - 409 version conflict: ES already holds this or a newer version of the record (a duplicate or an
 *   out-of-order delivery) -> as good as applied; this is what makes re-delivery idempotent.
 * - 400: the document itself cannot be indexed (mapping/parse errors) -> it will never succeed, so
 *   it is rejected (dead-lettered) and the projection moves on.
 * - anything else (429 back-pressure, 5xx, 403/404 cluster blocks, unavailable shards) is about the
 *   cluster, not the document -> transient: the whole batch is retried.
 */
export function bulkItemOutcome(status: number): BulkItemOutcome {
  if (status >= 200 && status < 300) return 'applied';
  if (status === 409) return 'applied';
  if (status === 400) return 'reject';
  return 'transient';
}
