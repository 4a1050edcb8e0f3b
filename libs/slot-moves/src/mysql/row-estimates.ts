import type { ShardDatabases } from '@shardline/sharding/mysql';
import type { RowsPerSlot } from '../slot-move.status';

/**
 * Rows per slot of each source shard, from the engine's table statistics (events + records rows ÷
 * the slots the shard owns): what a move's ETA starts from (docs/adr/0008, section 5). An estimate
 * (InnoDB samples its row counts) that costs no scan, taken once at planning; a shard that cannot
 * be read has none and its groups show no ETA until they copy.
 */
export async function estimateRowsPerSlot(databases: ShardDatabases, slotsOwned: ReadonlyMap<number, number>): Promise<RowsPerSlot> {
  const estimates: RowsPerSlot = {};
  await Promise.all(
    [...slotsOwned].map(async ([shard, slots]) => {
      if (slots === 0) return;
      const [rows] = await databases
        .shard(shard)
        .raw(`SELECT COALESCE(SUM(TABLE_ROWS), 0) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('events', 'records')`)
        .catch(() => [[]]);
      const n = (rows as Array<{ n: unknown }>)[0]?.n;
      if (n !== undefined) estimates[String(shard)] = Math.round((Number(n) / slots) * 10) / 10;
    }),
  );
  return estimates;
}
