import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { z } from 'zod';
import { validate } from '@shardline/errors';
import {
  activeUsersQuerySchema,
  growthQuerySchema,
  hotBusinessesQuerySchema,
  RECORD_ANALYTICS,
  recordsPerDayQuerySchema,
  type RecordAnalytics,
} from '@shardline/read-models';
import { fromReadModel } from './read-model.errors';

/**
 * GET /api/v1/analytics/*: aggregates for analysts. Every route takes `from` and `to` (UTC days,
 * YYYY-MM-DD, inclusive, at most 366 days). The query strings are validated here with the port's
 * schemas (coerced, bad fields named → 400), so the adapter receives typed queries only.
 */
@Controller('api/v1/analytics')
export class AnalyticsHttpController {
  constructor(@Inject(RECORD_ANALYTICS) private readonly analytics: RecordAnalytics) {}

  @Get('records-per-day')
  recordsPerDay(@Query() query: unknown) {
    return this.answer(recordsPerDayQuerySchema, query, (q) => this.analytics.recordsPerBusinessPerDay(q));
  }

  @Get('hot-businesses')
  hotBusinesses(@Query() query: unknown) {
    return this.answer(hotBusinessesQuerySchema, query, (q) => this.analytics.hotBusinesses(q));
  }

  @Get('growth')
  growth(@Query() query: unknown) {
    return this.answer(growthQuerySchema, query, (q) => this.analytics.growth(q));
  }

  @Get('active-users')
  activeUsers(@Query() query: unknown) {
    return this.answer(activeUsersQuerySchema, query, (q) => this.analytics.activeUsers(q));
  }

  private async answer<S extends z.ZodType, T>(schema: S, query: unknown, ask: (q: z.output<S>) => Promise<T>): Promise<T> {
    const q = validate(schema, query);
    return fromReadModel('ANALYTICS.UNAVAILABLE', () => ask(q));
  }
}
