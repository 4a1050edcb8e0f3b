import type { HotBusinessMetric } from '@shardline/read-models';

/** A business's counts over a range (or over one part of it). */
export interface BusinessCounts {
  events: number;
  records_created: number;
}
export type CountsByBusiness = Map<string, BusinessCounts>;

/** Rows of `SELECT business_id, sum(...) AS events, sum(...) AS records_created ... GROUP BY business_id` (UInt64 sums arrive as strings from 18.16). */
export interface BusinessSumRow {
  business_id: string;
  events: string | number;
  records_created: string | number;
}

export function countsOf(rows: readonly BusinessSumRow[]): CountsByBusiness {
  return new Map(rows.map((r) => [r.business_id, { events: Number(r.events), records_created: Number(r.records_created) }]));
}

/** The parts' counts added up per business (the parts are left as they are: some are kept). */
export function addedUp(parts: readonly CountsByBusiness[]): CountsByBusiness {
  const [first, ...rest] = parts;
  const total: CountsByBusiness = new Map();
  for (const [id, c] of first ?? []) total.set(id, { ...c });
  for (const part of rest) {
    for (const [id, c] of part) {
      const sum = total.get(id);
      if (sum === undefined) total.set(id, { ...c });
      else {
        sum.events += c.events;
        sum.records_created += c.records_created;
      }
    }
  }
  return total;
}

const SECOND: Record<HotBusinessMetric, keyof BusinessCounts> = { events: 'records_created', records_created: 'events' };

/**
 * The `limit` businesses with the most `by`, ties broken by the other count (descending) and then
 * by id ascending in code point order — the order ClickHouse's `ORDER BY …, business_id` gives
 * (bytes of UTF-8), which JavaScript's `<` on UTF-16 does not for characters past U+FFFF.
 */
export function topBusinesses(counts: CountsByBusiness, by: HotBusinessMetric, limit: number): Array<{ business_id: string } & BusinessCounts> {
  const second = SECOND[by];
  return [...counts]
    .map(([business_id, c]) => ({ business_id, events: c.events, records_created: c.records_created }))
    .sort((a, b) => b[by] - a[by] || b[second] - a[second] || byCodePoints(a.business_id, b.business_id))
    .slice(0, limit);
}

function byCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
