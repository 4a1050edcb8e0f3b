import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { z } from 'zod';
import { assertBusinessNamed, assertUnscoped, CallerPrincipal, type Principal } from '@shardline/auth';
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
  recordsPerDay(@Query() query: unknown, @CallerPrincipal() caller: Principal | undefined) {
    return this.answer(recordsPerDayQuerySchema, query, caller, (q) => this.analytics.recordsPerBusinessPerDay(q));
  }

  /** Ranks every business against the others: not for a key limited to some of them. */
  @Get('hot-businesses')
  hotBusinesses(@Query() query: unknown, @CallerPrincipal() caller: Principal | undefined) {
    assertUnscoped(caller, 'ranking every business');
    return this.answer(hotBusinessesQuerySchema, query, undefined, (q) => this.analytics.hotBusinesses(q));
  }

  @Get('growth')
  growth(@Query() query: unknown, @CallerPrincipal() caller: Principal | undefined) {
    return this.answer(growthQuerySchema, query, caller, (q) => this.analytics.growth(q));
  }

  @Get('active-users')
  activeUsers(@Query() query: unknown, @CallerPrincipal() caller: Principal | undefined) {
    return this.answer(activeUsersQuerySchema, query, caller, (q) => this.analytics.activeUsers(q));
  }

  /** Validates the query; a key limited to some businesses must filter by one of them (business_id). */
  private async answer<S extends z.ZodType, T>(schema: S, query: unknown, caller: Principal | undefined, ask: (q: z.output<S>) => Promise<T>): Promise<T> {
    const q = validate(schema, query);
    assertBusinessNamed(caller, (q as { business_id?: string }).business_id);
    return fromReadModel('ANALYTICS.UNAVAILABLE', () => ask(q));
  }
}
