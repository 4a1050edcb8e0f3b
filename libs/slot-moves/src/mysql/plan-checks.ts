import type { Knex } from 'knex';
import type { BusinessIdCheckResult } from '../slot-copier.port';
import { DEFAULTS } from './copy-chunk';
import { int, positive, rowsOf, scanBound } from './slot-sql';

/**
 * One chunk of the plan's check (docs/adr/0008, 4.1) that every event of a source shard names its
 * business in `data.business_id`: the copy selects events by it, so an event without one would
 * belong to no slot and stay behind unseen. Reads up to `scanRows` positions per call, reports the
 * first few offenders (position, stream) and where to go on.
 */
export async function eventsWithoutBusinessId(db: Knex, options: { after?: string | null; scanRows?: number } = {}): Promise<BusinessIdCheckResult> {
  const after = options.after ?? '0';
  const hi = await scanBound(db, 'events', after, positive(options.scanRows ?? DEFAULTS.scanRows));
  if (hi === null) return { offenders: [], after, done: true };
  const rows = await rowsOf<{ position: string | number; stream_id: string }>(
    db,
    `SELECT position, stream_id FROM events WHERE position > ${int(after)} AND position <= ${hi} AND JSON_VALUE(data, '$.business_id') IS NULL ORDER BY position LIMIT 10`,
  );
  return { offenders: rows.map((r) => ({ position: String(r.position), streamId: r.stream_id })), after: hi, done: false };
}
