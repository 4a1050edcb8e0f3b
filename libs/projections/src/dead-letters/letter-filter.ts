import type { DeadLetterKind } from '../apply/dead-letter.port';
import type { StoredDeadLetter } from './stored-dead-letter';

/** Which letters an operator means; every given criterion must hold. */
export interface LetterFilter {
  /** The live projection (`elasticsearch` also takes its rebuilds' letters) or an exact projection header. */
  projection?: string;
  /** Case-insensitive substring of the reason. */
  reason?: string;
  kind?: DeadLetterKind | 'unknown';
  /** Letter ids (`<dlq partition>:<offset>`). */
  ids?: readonly string[];
}

/**
 * The live projection a letter belongs to: a rebuild's target (`elasticsearch-rebuild-<id>`) writes
 * what becomes the live read model once promoted, and an abandoned rebuild's letters still name
 * events the live model should hold, so both resend to `elasticsearch`.
 */
export function liveProjectionOf(projection: string): string {
  return /^(.+)-rebuild-[a-z0-9]+$/.exec(projection)?.[1] ?? projection;
}

export function matchesFilter(letter: StoredDeadLetter, filter: LetterFilter): boolean {
  if (filter.projection !== undefined && filter.projection !== letter.projection && filter.projection !== liveProjectionOf(letter.projection)) return false;
  if (filter.reason !== undefined && !letter.reason.toLowerCase().includes(filter.reason.toLowerCase())) return false;
  if (filter.kind !== undefined && filter.kind !== letter.kind) return false;
  if (filter.ids !== undefined && !filter.ids.includes(letter.id)) return false;
  return true;
}
