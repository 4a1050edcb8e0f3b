import { z } from 'zod';
import { integerInRange } from '@shardline/errors';
import { businessIdSchema } from '@shardline/records';
import { daysBetween, GROWTH_INTERVALS, isUtcDay } from './utc-days';

/** Longest date range any analytics query accepts (inclusive days). */
export const MAX_RANGE_DAYS = 366;

export const HOT_BUSINESS_METRICS = ['events', 'records_created'] as const;
/**
 * How active-users counts the distinct users of the whole range: `estimate` (default) from
 * per-day sketches, whose cost does not grow with the data (standard error 0.8 %, within 2 %, exact
 * in practice for a few thousand users); `exact` by counting every (user, day) of the range — the
 * cost grows with the active users × days (~100 ms of one core per 2 million user-days).
 */
export const ACTIVE_USERS_TOTALS = ['estimate', 'exact'] as const;
export type ActiveUsersTotal = (typeof ACTIVE_USERS_TOTALS)[number];
export type HotBusinessMetric = (typeof HOT_BUSINESS_METRICS)[number];

/*
 * The query strings of GET /api/v1/analytics/*, validated by the query API before the port sees
 * them (400 naming the field); numbers are coerced from their query-string text. Every route takes
 * an inclusive UTC day range `from` ≤ `to` of at most MAX_RANGE_DAYS days.
 */
const day = z.string().refine(isUtcDay, 'a calendar date YYYY-MM-DD');
const dateRange = { from: day, to: day };

function checkRange(v: { from: string; to: string }, ctx: z.RefinementCtx): void {
  if (!isUtcDay(v.from) || !isUtcDay(v.to)) return;
  const days = daysBetween(v.from, v.to) + 1;
  if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from' });
  else if (days > MAX_RANGE_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
}

export const recordsPerDayQuerySchema = z
  .strictObject({ ...dateRange, business_id: businessIdSchema.optional(), limit: integerInRange(1, 10_000, { coerce: true }).default(1000) })
  .superRefine(checkRange);
export type RecordsPerDayQuery = z.output<typeof recordsPerDayQuerySchema>;

export const hotBusinessesQuerySchema = z
  .strictObject({ ...dateRange, by: z.enum(HOT_BUSINESS_METRICS).default('events'), limit: integerInRange(1, 1000, { coerce: true }).default(10) })
  .superRefine(checkRange);
export type HotBusinessesQuery = z.output<typeof hotBusinessesQuerySchema>;

export const growthQuerySchema = z
  .strictObject({ ...dateRange, interval: z.enum(GROWTH_INTERVALS).default('day'), business_id: businessIdSchema.optional() })
  .superRefine(checkRange);
export type GrowthQuery = z.output<typeof growthQuerySchema>;

export const activeUsersQuerySchema = z
  .strictObject({ ...dateRange, business_id: businessIdSchema.optional(), total: z.enum(ACTIVE_USERS_TOTALS).default('estimate') })
  .superRefine(checkRange);
export type ActiveUsersQuery = z.output<typeof activeUsersQuerySchema>;
