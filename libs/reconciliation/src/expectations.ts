import type { ModelDigest, StoreDigest } from './digest';
import type { ModelState, ReadModelName, StoreStream } from './ports';

/**
 * What each read model must hold given the event store, and how it represents deletes:
 * - records (inline, same transaction): one row per LIVE record at its last version, staged writes
 *   included (their rows are written with their events); a deleted record has no row;
 * - elasticsearch: one document per record at its last published version, a deleted one as a
 *   tombstone `{deleted: true}` at the deleting version (a search agg cannot hash, so it is compared
 *   by count, tombstones, and the sums of versions and of squared versions);
 * - clickhouse-latest (records_latest FINAL): one row per record at its last published version,
 *   `deleted = 1` for a deleted one;
 * - clickhouse-events (record_events FINAL): one row per published event.
 */
export function expectedDigest(model: ReadModelName, d: StoreDigest): ModelDigest {
  switch (model) {
    case 'records':
      return { count: d.recordsCount, xor: d.recordsXor };
    case 'elasticsearch':
      return { count: d.latestCount, deleted: d.latestDeleted, sumVersion: d.publishedEvents, sumVersion2: d.sumVersion2, sumVersionDeleted: d.sumVersionDeleted };
    case 'clickhouse-latest':
      return { count: d.latestCount, deleted: d.latestDeleted, xor: d.latestXor };
    case 'clickhouse-events':
      return { count: d.publishedEvents, xor: d.eventsXor };
  }
}

export function expectedState(model: ReadModelName, s: StoreStream): ModelState | null {
  switch (model) {
    case 'records':
      return s.all && !s.all.deleted ? { recordId: s.recordId, version: s.all.version, deleted: false } : null;
    case 'elasticsearch':
    case 'clickhouse-latest':
      return s.published ? { recordId: s.recordId, ...s.published } : null;
    case 'clickhouse-events':
      return s.published ? { recordId: s.recordId, ...s.published, events: s.published.version } : null;
  }
}

export type DifferenceKind = 'missing' | 'behind' | 'ahead' | 'deleted-mismatch' | 'events-mismatch' | 'phantom';

/** How an actual state differs from the expected one; null when they agree. */
export function differenceOf(expected: ModelState | null, actual: ModelState | null): DifferenceKind | null {
  if (!expected && !actual) return null;
  if (!actual) return 'missing';
  if (!expected) return 'phantom';
  if (actual.version < expected.version) return 'behind';
  if (actual.version > expected.version) return 'ahead';
  if (actual.deleted !== expected.deleted) return 'deleted-mismatch';
  if (expected.events !== undefined && actual.events !== expected.events) return 'events-mismatch';
  return null;
}
