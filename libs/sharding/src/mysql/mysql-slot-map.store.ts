import { Knex } from 'knex';
import type { RegisteredShard } from '../shard-registry';
import { SlotMap } from '../slot-map';
import type { SlotMapSnapshot, SlotMapSource } from '../slot-map-source.port';

/** A slot's owner and ownership epoch as the control database holds them. */
export interface SlotOwnership {
  slot: number;
  shard: number;
  epoch: number;
}

/**
 * The slot map persisted in the control database (`slot_map`, `shards`, `slot_map_version`;
 * migrations/control 0001 and 0007). The first migrate seeds it with the modulo map; later starts
 * read it back, so moved slots stay moved. Every change bumps the version in the same transaction
 * (bumpSlotMapVersion), which is what processes poll (SlotMapWatcher).
 */
export class MysqlSlotMapStore implements SlotMapSource {
  constructor(private readonly control: Knex) {}

  async version(): Promise<number> {
    const rows = await this.control('slot_map_version').where({ id: 1 }).select('version');
    return Number(rows[0]?.version ?? 0);
  }

  /** Version, registry and map read in one snapshot, so the map never points past the registry it came with. */
  load(): Promise<SlotMapSnapshot> {
    return this.control.transaction(
      async (trx) => {
        const [versions, shards, rows] = await Promise.all([
          trx('slot_map_version').where({ id: 1 }).select('version'),
          trx('shards').orderBy('shard').select('shard', 'url'),
          trx('slot_map').select('slot', 'shard'),
        ]);
        const registered: RegisteredShard[] = shards.map((r: { shard: number; url: string }) => ({ shard: Number(r.shard), url: r.url }));
        const map = SlotMap.fromAssignments(
          registered.length,
          rows.map((r: { slot: number; shard: number }) => ({ slot: Number(r.slot), shard: Number(r.shard) })),
        );
        return { version: Number(versions[0]?.version ?? 0), map, shards: registered };
      },
      { isolationLevel: 'repeatable read' },
    );
  }

  /** Seeds the modulo map over `shardCount` shards when there is none (migrate), then loads it. */
  async loadOrInit(shardCount: number): Promise<SlotMap> {
    const any = await this.control('slot_map').first('slot');
    if (!any) {
      const values = SlotMap.modulo(shardCount).assignments();
      // INSERT IGNORE: two processes seeding at once both write the same default; neither fails.
      await this.control.raw(
        `INSERT IGNORE INTO slot_map (slot, shard) VALUES ${values.map(() => '(?, ?)').join(',')}`,
        values.flatMap((v) => [v.slot, v.shard]),
      );
    }
    return (await this.load()).map;
  }

  /** Every slot's owner and epoch (seeding a shard's owned_slots; the move planner). */
  async ownership(): Promise<SlotOwnership[]> {
    const rows = await this.control('slot_map').orderBy('slot').select('slot', 'shard', 'epoch');
    return rows.map((r: Record<string, unknown>) => ({ slot: Number(r.slot), shard: Number(r.shard), epoch: Number(r.epoch) }));
  }

  /**
   * Points `slots` at `shard` with their epoch bumped, and bumps the map version: the last act of
   * a cutover, after the old owner revoked and the new one was granted the new epoch (docs/adr/0008).
   * Returns each slot's new epoch.
   */
  async assign(slots: readonly number[], shard: number): Promise<SlotOwnership[]> {
    return this.control.transaction(async (trx) => {
      await trx('slot_map').whereIn('slot', [...slots]).update({ shard, epoch: trx.raw('epoch + 1') });
      await bumpSlotMapVersion(trx);
      const rows = await trx('slot_map').whereIn('slot', [...slots]).orderBy('slot').select('slot', 'shard', 'epoch');
      return rows.map((r: Record<string, unknown>) => ({ slot: Number(r.slot), shard: Number(r.shard), epoch: Number(r.epoch) }));
    });
  }
}

/** Part of every transaction that changes `shards` or `slot_map`: processes reload on the new version. */
export async function bumpSlotMapVersion(trx: Knex.Transaction): Promise<number> {
  await trx.raw('UPDATE slot_map_version SET version = version + 1 WHERE id = 1');
  const rows = await trx('slot_map_version').where({ id: 1 }).select('version');
  return Number(rows[0].version);
}
