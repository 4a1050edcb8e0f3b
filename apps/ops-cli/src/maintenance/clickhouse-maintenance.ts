import { z } from 'zod';
import {
  clickHouseConfigFromEnv,
  createClickHouseGateway,
  DailyRollup,
  dropExpiredPartitions,
  firstRawDay,
  type DroppedPartition,
  type RollUpReport,
} from '@shardline/projection-clickhouse';

export const clickHouseLifecycleSchema = z.object({
  /** SHARDLINE_CLICKHOUSE_RETENTION_MONTHS: whole months of raw events kept before the current one (0 = all). */
  rawMonths: z.coerce.number().int().min(0).max(1200),
  /** SHARDLINE_CLICKHOUSE_ROLLUP_RETENTION_MONTHS: the same for the daily rollup. */
  rollupMonths: z.coerce.number().int().min(0).max(1200),
  /** SHARDLINE_ROLLUP_LOOKBACK_DAYS: settled days looked at by each run of the job. */
  lookbackDays: z.coerce.number().int().min(0).max(4000),
  /** SHARDLINE_ROLLUP_SETTLE_MINUTES: a 10-minute slot of a day (so a whole day) is rolled this long after it ended (at least the clock skew between the projector and ClickHouse). */
  settleMinutes: z.coerce.number().int().min(0).max(7 * 24 * 60),
});
export type ClickHouseLifecycle = z.infer<typeof clickHouseLifecycleSchema>;

export function clickHouseLifecycleFromEnv(env: Record<string, string | undefined>): ClickHouseLifecycle {
  return clickHouseLifecycleSchema.parse({
    rawMonths: env.SHARDLINE_CLICKHOUSE_RETENTION_MONTHS ?? 13,
    rollupMonths: env.SHARDLINE_CLICKHOUSE_ROLLUP_RETENTION_MONTHS ?? 0,
    lookbackDays: env.SHARDLINE_ROLLUP_LOOKBACK_DAYS ?? 35,
    settleMinutes: env.SHARDLINE_ROLLUP_SETTLE_MINUTES ?? 10,
  });
}

export interface ClickHouseMaintenanceReport {
  dropped: DroppedPartition[];
  rollup: RollUpReport;
}

/**
 * The ClickHouse part of the maintenance job: partitions past retention dropped first (so no day
 * about to go is rolled), then the daily rollup of every settled day that lacks a usable run.
 */
export async function maintainClickHouse(env: Record<string, string | undefined>, now = new Date()): Promise<ClickHouseMaintenanceReport> {
  const config = clickHouseConfigFromEnv(env);
  const lifecycle = clickHouseLifecycleFromEnv(env);
  const gateway = createClickHouseGateway(config);
  try {
    const dropped = await dropExpiredPartitions(gateway, config.database, lifecycle, now);
    const rollup = new DailyRollup(gateway, config.database);
    await rollup.prepare();
    const report = await rollup.rollUp({
      lookbackDays: lifecycle.lookbackDays,
      settleMs: lifecycle.settleMinutes * 60_000,
      earliestDay: firstRawDay(now, lifecycle.rawMonths),
    });
    return { dropped, rollup: report };
  } finally {
    await gateway.close();
  }
}
