import type { ClickHouseGateway } from '../clickhouse-gateway';
import { dropPartialRunPartition, partialRunPartitions } from './partial-run-partitions';

function gatewayListing(rows: Array<{ table: string; partition: string }>): ClickHouseGateway & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    select: async (sql: string) => {
      sent.push(sql);
      return rows as never;
    },
    command: async (sql: string) => {
      sent.push(sql);
    },
  } as unknown as ClickHouseGateway & { sent: string[] };
}

describe('partialRunPartitions', () => {
  it('reads the (day, run) partitions of both part-of-day tables from system.parts and drops one by its key', async () => {
    const gateway = gatewayListing([
      { table: 'daily_business_rollup_slots', partition: "('2026-12-04',7380912345678901234)" },
      { table: 'daily_business_rollup_partial', partition: "('2025-10-06',42)" },
    ]);
    const found = await partialRunPartitions(gateway, 'analytics');
    expect(found).toEqual([
      { table: 'daily_business_rollup_slots', partition: "('2026-12-04',7380912345678901234)", day: '2026-12-04', run: '7380912345678901234' },
      { table: 'daily_business_rollup_partial', partition: "('2025-10-06',42)", day: '2025-10-06', run: '42' },
    ]);
    expect(gateway.sent[0]).toContain("FROM system.parts WHERE active AND database = 'analytics' AND table IN ('daily_business_rollup_slots', 'daily_business_rollup_partial')");
    await dropPartialRunPartition(gateway, 'analytics', found[0]);
    expect(gateway.sent[1]).toBe("ALTER TABLE `analytics`.`daily_business_rollup_slots` DROP PARTITION (toDate('2026-12-04'), 7380912345678901234)");
  });

  it('stops loudly at a partition named otherwise, rather than leaving runs to pile up', async () => {
    const gateway = gatewayListing([{ table: 'daily_business_rollup_slots', partition: '20261204-7380912345678901234' }]);
    await expect(partialRunPartitions(gateway, 'analytics')).rejects.toThrow("analytics.daily_business_rollup_slots has a partition named 20261204-7380912345678901234, not ('YYYY-MM-DD',run_id)");
  });
});
