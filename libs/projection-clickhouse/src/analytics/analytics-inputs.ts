import { z } from 'zod';
import { isValidDay } from '../sql/sql-literals';

/** Longest date range any analytics query accepts (inclusive days). */
export const MAX_RANGE_DAYS = 366;

const day = z.string().refine(isValidDay, 'a calendar date YYYY-MM-DD');
const businessId = z.string().min(1).max(64);

/** Inclusive UTC day range, `from` ≤ `to`, at most MAX_RANGE_DAYS days. */
const dateRange = {
  from: day,
  to: day,
};
function checkRange(v: { from: string; to: string }, ctx: z.RefinementCtx): void {
  if (!isValidDay(v.from) || !isValidDay(v.to)) return;
  const days = daysBetween(v.from, v.to) + 1;
  if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from' });
  else if (days > MAX_RANGE_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
}

export const recordsPerDayInputSchema = z
  .object({ ...dateRange, business_id: businessId.optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000) })
  .strict()
  .superRefine(checkRange);
export type RecordsPerDayInput = z.input<typeof recordsPerDayInputSchema>;

export const HOT_BUSINESS_METRICS = ['events', 'records_created'] as const;
export const hotBusinessesInputSchema = z
  .object({ ...dateRange, by: z.enum(HOT_BUSINESS_METRICS).default('events'), limit: z.coerce.number().int().min(1).max(1000).default(10) })
  .strict()
  .superRefine(checkRange);
export type HotBusinessesInput = z.input<typeof hotBusinessesInputSchema>;

export const GROWTH_INTERVALS = ['day', 'week', 'month'] as const;
export type GrowthInterval = (typeof GROWTH_INTERVALS)[number];
export const growthInputSchema = z
  .object({ ...dateRange, interval: z.enum(GROWTH_INTERVALS).default('day'), business_id: businessId.optional() })
  .strict()
  .superRefine(checkRange);
export type GrowthInput = z.input<typeof growthInputSchema>;

export const activeUsersInputSchema = z
  .object({ ...dateRange, business_id: businessId.optional() })
  .strict()
  .superRefine(checkRange);
export type ActiveUsersInput = z.input<typeof activeUsersInputSchema>;

export class AnalyticsInputError extends Error {
  readonly code = 'ANALYTICS.INVALID_INPUT';
  constructor(readonly details: { field: string; message: string }[]) {
    super(`invalid analytics query: ${details.map((d) => `${d.field || '(root)'}: ${d.message}`).join('; ')}`);
    this.name = 'AnalyticsInputError';
  }
}

/** Parses with a schema above; throws AnalyticsInputError naming each bad field (→ HTTP 400). */
export function parseAnalyticsInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AnalyticsInputError(parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  return parsed.data;
}

const DAY_MS = 86_400_000;
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** First day of the bucket holding `day`: itself, its ISO week's Monday, or the 1st of its month. */
export function bucketStart(day: string, interval: GrowthInterval): string {
  if (interval === 'day') return day;
  if (interval === 'month') return `${day.slice(0, 8)}01`;
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(day, -weekday);
}

/** Every bucket start from the bucket of `from` to the bucket of `to`, in order. */
export function bucketStarts(from: string, to: string, interval: GrowthInterval): string[] {
  const out: string[] = [];
  for (let d = bucketStart(from, interval); d <= to; ) {
    out.push(d);
    if (interval === 'day') d = addDays(d, 1);
    else if (interval === 'week') d = addDays(d, 7);
    else {
      const next = new Date(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)), 1));
      d = next.toISOString().slice(0, 10);
    }
  }
  return out;
}
