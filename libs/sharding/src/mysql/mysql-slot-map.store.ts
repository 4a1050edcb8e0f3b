import { Knex } from 'knex';
import { SlotMap } from '../slot-map';

/**
 * The slot map persisted in the control database (`slot_map`, created by migrations/control).
 * The first start seeds it with the modulo map; later starts read it back, so moved slots stay moved.
 */
export class MysqlSlotMapStore {
  constructor(private readonly control: Knex) {}

  async loadOrInit(shardCount: number): Promise<SlotMap> {
    const rows = await this.control('slot_map').select('slot', 'shard');
    if (rows.length === 0) {
      const map = SlotMap.modulo(shardCount);
      // INSERT IGNORE: two processes starting at once both seed the same default; neither fails.
      const values = map.assignments();
      await this.control.raw(
        `INSERT IGNORE INTO slot_map (slot, shard) VALUES ${values.map(() => '(?, ?)').join(',')}`,
        values.flatMap((v) => [v.slot, v.shard]),
      );
      return this.loadOrInit(shardCount);
    }
    return SlotMap.fromAssignments(
      shardCount,
      rows.map((r: { slot: number; shard: number }) => ({ slot: Number(r.slot), shard: Number(r.shard) })),
    );
  }
}
