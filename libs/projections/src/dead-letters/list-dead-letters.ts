import type { DeadLetterSource } from './dead-letter-source.port';
import { letterEventOf, type LetterEvent } from './letter-event';
import { matchesFilter, type LetterFilter } from './letter-filter';
import { reasonPattern } from './reason-pattern';
import { statusOf, type LetterStatus, type ResendEntry } from './resend-ledger.port';
import type { StoredDeadLetter } from './stored-dead-letter';

export interface ListOptions {
  filter: LetterFilter;
  /** pending (default for operators: what still needs a decision), or every letter retained. */
  status: 'pending' | 'all';
  /** Most letters listed one by one (the counts cover every match). */
  limit: number;
}

/** One line of the listing. */
export interface LetterRow extends LetterEvent {
  id: string;
  status: LetterStatus;
  projection: string;
  kind: StoredDeadLetter['kind'];
  reason: string;
  /** `<topic>/<partition>@<offset>` of the original message. */
  source: string | null;
  failed_at: string | null;
  resend_of: string | null;
  /** The run that re-sent it, when it was. */
  resent_by: string | null;
}

export interface ProjectionCounts {
  projection: string;
  letters: number;
  kinds: Record<string, number>;
  /** Reason patterns (see reasonPattern), most frequent first, with one full reason as an example. */
  reasons: Array<{ pattern: string; count: number; example: string }>;
  oldest: string;
  newest: string;
}

export interface DeadLetterListing {
  /** Letters read from the topic (every status, every projection). */
  scanned: number;
  matched: number;
  /** False when the end of the topic could not be reached (see DeadLetterSource.scan). */
  complete: boolean;
  projections: ProjectionCounts[];
  letters: LetterRow[];
  /** Matches not listed one by one (over `limit`). */
  notListed: number;
}

/** Reads the whole topic once: counts per projection, kind and reason pattern, and the first `limit` matching letters. */
export async function listDeadLetters(source: DeadLetterSource, entries: ReadonlyMap<string, ResendEntry>, options: ListOptions): Promise<DeadLetterListing> {
  const counts = new Map<string, { letters: number; kinds: Map<string, number>; reasons: Map<string, { count: number; example: string }>; oldest: string; newest: string }>();
  const letters: LetterRow[] = [];
  let scanned = 0;
  let matched = 0;
  const { complete } = await source.scan(async (batch) => {
    for (const letter of batch) {
      scanned += 1;
      const entry = entries.get(letter.id);
      if (options.status === 'pending' && entry) continue;
      if (!matchesFilter(letter, options.filter)) continue;
      matched += 1;
      const c = counts.get(letter.projection) ?? { letters: 0, kinds: new Map(), reasons: new Map(), oldest: letter.storedAt, newest: letter.storedAt };
      counts.set(letter.projection, c);
      c.letters += 1;
      c.kinds.set(letter.kind, (c.kinds.get(letter.kind) ?? 0) + 1);
      const pattern = reasonPattern(letter.reason);
      const r = c.reasons.get(pattern) ?? { count: 0, example: letter.reason };
      c.reasons.set(pattern, { count: r.count + 1, example: r.example });
      if (letter.storedAt < c.oldest) c.oldest = letter.storedAt;
      if (letter.storedAt > c.newest) c.newest = letter.storedAt;
      if (letters.length < options.limit) letters.push(rowOf(letter, entry));
    }
  });
  return {
    scanned,
    matched,
    complete,
    projections: [...counts].map(([projection, c]) => ({
      projection,
      letters: c.letters,
      kinds: Object.fromEntries(c.kinds),
      reasons: [...c.reasons].map(([pattern, r]) => ({ pattern, ...r })).sort((a, b) => b.count - a.count),
      oldest: c.oldest,
      newest: c.newest,
    })),
    letters,
    notListed: matched - letters.length,
  };
}

export function rowOf(letter: StoredDeadLetter, entry: ResendEntry | undefined): LetterRow {
  const s = letter.source;
  return {
    id: letter.id,
    status: statusOf(entry),
    projection: letter.projection,
    kind: letter.kind,
    reason: letter.reason,
    source: s ? `${s.topic}/${s.partition}@${s.offset}` : null,
    ...letterEventOf(letter.value),
    failed_at: letter.failedAt,
    resend_of: letter.resendOf,
    resent_by: entry?.run ?? null,
  };
}
