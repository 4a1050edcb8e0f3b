import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { ActiveUsersInput, ClickHouseAnalytics, GrowthInput, HotBusinessesInput, RecordsPerDayInput } from '@shardline/projection-clickhouse';
import { translateReadModelError } from './query-errors';

export const RECORD_ANALYTICS = Symbol('RecordAnalytics');

/** What the analytics routes need (ClickHouseAnalytics implements it). */
export type RecordAnalytics = Pick<ClickHouseAnalytics, 'recordsPerBusinessPerDay' | 'hotBusinesses' | 'growth' | 'activeUsers'>;

/**
 * GET /api/v1/analytics/*: ClickHouse aggregates for analysts. Every route takes `from` and `to`
 * (UTC days, YYYY-MM-DD, inclusive, at most 366 days). The raw query strings go to the adapter,
 * whose zod schemas coerce and validate them and name bad fields (→ 400).
 */
@Controller('api/v1/analytics')
export class AnalyticsHttpController {
  constructor(@Inject(RECORD_ANALYTICS) private readonly analytics: RecordAnalytics) {}

  @Get('records-per-day')
  recordsPerDay(@Query() query: Record<string, string>) {
    return this.run(() => this.analytics.recordsPerBusinessPerDay(query as unknown as RecordsPerDayInput));
  }

  @Get('hot-businesses')
  hotBusinesses(@Query() query: Record<string, string>) {
    return this.run(() => this.analytics.hotBusinesses(query as unknown as HotBusinessesInput));
  }

  @Get('growth')
  growth(@Query() query: Record<string, string>) {
    return this.run(() => this.analytics.growth(query as unknown as GrowthInput));
  }

  @Get('active-users')
  activeUsers(@Query() query: Record<string, string>) {
    return this.run(() => this.analytics.activeUsers(query as unknown as ActiveUsersInput));
  }

  private async run<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw translateReadModelError(error, 'ANALYTICS.UNAVAILABLE');
    }
  }
}
