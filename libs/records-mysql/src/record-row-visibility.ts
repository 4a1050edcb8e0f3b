import type { CommitPoints, CommitPointStatus } from '@shardline/commit-points';

/** The commit-point markers a `records` row may carry (docs/adr/0003 and 0004). */
export interface MarkedRow {
  staged_by: string | null;
  moving_out_by: string | null;
}

/**
 * A row is visible when
 * - it carries no staged_by, or its commit point is committed (a staged write appears at its commit), and
 * - it carries no moving_out_by, or its commit point is NOT committed (a moved source disappears at
 *   the very commit that makes its copy appear: the same commit point, so never both, never neither).
 */
export function isVisible(row: MarkedRow, status: ReadonlyMap<string, CommitPointStatus>): boolean {
  if (row.staged_by !== null && status.get(row.staged_by) !== 'committed') return false;
  if (row.moving_out_by !== null && status.get(row.moving_out_by) === 'committed') return false;
  return true;
}

/**
 * The visible rows of a read, every marker it saw resolved in ONE control-database query made after
 * all of its shards were read: a row released (or retired) on one shard before the read implies
 * that its commit point is seen committed for the rows of the other shards.
 */
export async function visibleRows<R extends MarkedRow>(rows: R[], commitPoints: CommitPoints): Promise<{ visible: R[]; status: ReadonlyMap<string, CommitPointStatus> }> {
  const markers = new Set<string>();
  for (const row of rows) {
    if (row.staged_by !== null) markers.add(row.staged_by);
    if (row.moving_out_by !== null) markers.add(row.moving_out_by);
  }
  if (markers.size === 0) return { visible: rows, status: new Map() };
  const status = await commitPoints.statusOf([...markers]);
  return { visible: rows.filter((row) => isVisible(row, status)), status };
}
