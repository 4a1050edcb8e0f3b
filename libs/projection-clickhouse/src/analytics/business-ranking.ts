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

const SECOND: Record<HotBusinessMetric, keyof BusinessCounts> = { events: 'records_created', records_created: 'events' };

type Ranked = { business_id: string } & BusinessCounts;

/**
 * The `limit` businesses with the most `by` over the parts added up, ties broken by the other count
 * (descending) and then by id ascending in code point order — the order ClickHouse's
 * `ORDER BY …, business_id` gives (bytes of UTF-8), which JavaScript's `<` on UTF-16 does not for
 * characters past U+FFFF. Each business is totalled once, without copying the parts (the first is
 * typically a kept part of every business), and only the best `limit` are kept in order as they
 * come: ~1 ms for 10,000 businesses, against ~3 for a merged copy sorted whole.
 */
export function topBusinesses(parts: readonly CountsByBusiness[], by: HotBusinessMetric, limit: number): Ranked[] {
  const second = SECOND[by];
  const before = (a: Ranked, b: Ranked) => b[by] - a[by] || b[second] - a[second] || byCodePoints(a.business_id, b.business_id);
  const top: Ranked[] = [];
  parts.forEach((part, i) => {
    for (const id of part.keys()) {
      let totalled = false;
      for (let k = 0; k < i && !totalled; k++) totalled = parts[k].has(id);
      if (totalled) continue;
      const total: Ranked = { business_id: id, events: 0, records_created: 0 };
      for (let j = i; j < parts.length; j++) {
        const c = parts[j].get(id);
        if (c !== undefined) {
          total.events += c.events;
          total.records_created += c.records_created;
        }
      }
      if (top.length === limit && before(top[limit - 1], total) <= 0) continue;
      let [low, high] = [0, top.length]; // insertion point: after every entry ranked before it
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (before(top[mid], total) < 0) low = mid + 1;
        else high = mid;
      }
      top.splice(low, 0, total);
      if (top.length > limit) top.pop();
    }
  });
  return top;
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
