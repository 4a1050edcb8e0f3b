import type { EventSelection } from '@shardline/event-export';

/** The flags every export and replay takes to select events, as parseArgs options. */
export const SELECTION_OPTIONS = {
  shards: { type: 'string' },
  business: { type: 'string' },
  user: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
} as const;

/** --shards 0,2 --business B --user U --since 2026-11-01 --until 2026-12-01T12:00:00Z */
export function selectionOf(values: { shards?: string; business?: string; user?: string; since?: string; until?: string }): EventSelection {
  const date = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new Error(`--${flag} must be a date (ISO 8601), got ${text}`);
    return at;
  };
  const shards = values.shards?.split(',').map((s) => {
    const shard = Number(s.trim());
    if (!Number.isInteger(shard) || shard < 0) throw new Error(`--shards must list shard indexes (0,1,...), got ${values.shards}`);
    return shard;
  });
  return { shards, businessId: values.business, userId: values.user, since: date('since', values.since), until: date('until', values.until) };
}

export function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got ${text}`);
  return n;
}
