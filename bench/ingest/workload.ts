import { randomBytes } from 'node:crypto';

/**
 * Distinct users the records cycle through (BENCH_USERS, default 50,000). With more users than the
 * api creates per key-cache TTL (30 s), a user comes back after their cached key expired: that is
 * the case the erasure-count cache is for (bench/README.md, issue 12 §4).
 */
export const USERS = Number(process.env.BENCH_USERS ?? 50_000);

/** Deterministic-shaped records: ~BENCH_PAYLOAD_BYTES of JSON, spread over 1,000 businesses and USERS users. */
export function makeRecord(i: number, payloadBytes: number) {
  return {
    business_id: `bench-biz-${i % 1000}`,
    user_id: 1 + (i % USERS),
    data_content: {
      order_id: `o-${i}`,
      amount: (i % 10_000) / 100,
      status: i % 3 === 0 ? 'paid' : 'open',
      note: randomBytes(Math.max(1, Math.floor((payloadBytes - 80) / 2))).toString('hex'),
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
