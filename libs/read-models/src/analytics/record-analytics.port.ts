import type { ActiveUsersQuery, ActiveUsersTotal, GrowthQuery, HotBusinessesQuery, HotBusinessMetric, RecordsPerDayQuery } from './record-analytics.schemas';
import type { GrowthInterval } from './utc-days';

/**
 * Aggregates over record events for analysts (GET /api/v1/analytics/*). Queries arrive validated
 * by the schemas beside this port, so an adapter trusts their types and bounds; days are UTC and
 * ranges inclusive. Counts are JSON numbers, days `YYYY-MM-DD` strings. An engine failure may be
 * thrown as it is: the query API answers anything that is not a ShardlineError with 503
 * ANALYTICS.UNAVAILABLE.
 */
export interface RecordAnalytics {
  recordsPerBusinessPerDay(query: RecordsPerDayQuery): Promise<RecordsPerDayResult>;
  hotBusinesses(query: HotBusinessesQuery): Promise<HotBusinessesResult>;
  /** Empty buckets included, first and last bucket clipped to the range, running totals from `from`. */
  growth(query: GrowthQuery): Promise<GrowthResult>;
  activeUsers(query: ActiveUsersQuery): Promise<ActiveUsersResult>;
}

export const RECORD_ANALYTICS = Symbol('RecordAnalytics');

export interface BusinessDayStats {
  business_id: string;
  day: string;
  records_created: number;
  records_updated: number;
  records_deleted: number;
  events: number;
  active_users: number;
}
export interface RecordsPerDayResult {
  from: string;
  to: string;
  rows: BusinessDayStats[];
  /** More (business, day) rows exist than `limit`; narrow the range or filter by business_id. */
  truncated: boolean;
}

export interface HotBusiness {
  business_id: string;
  events: number;
  records_created: number;
}
export interface HotBusinessesResult {
  from: string;
  to: string;
  by: HotBusinessMetric;
  businesses: HotBusiness[];
}

export interface GrowthBucket {
  /** First day of the bucket (the Monday for weeks); the first and last buckets are clipped to the range. */
  period_start: string;
  records_created: number;
  records_deleted: number;
  net: number;
  /** Running totals from the start of the range. */
  cumulative_created: number;
  cumulative_net: number;
}
export interface GrowthResult {
  from: string;
  to: string;
  interval: GrowthInterval;
  buckets: GrowthBucket[];
}

export interface ActiveUsersResult {
  from: string;
  to: string;
  days: { day: string; active_users: number }[];
  /** Distinct users over the whole range (not the sum of the days). */
  total_active_users: number;
  /** How the total was counted (the query's `total`): `estimate` (standard error 0.8 %, within 2 %), or `exact`. Each day's count is always exact. */
  total_method: ActiveUsersTotal;
}
