import { crc32 } from 'node:zlib';

/** Number of virtual slots. Fixed forever: changing it would re-home every business. */
export const SLOT_COUNT = 4096;

export function slotOf(businessId: string): number {
  return crc32(businessId) % SLOT_COUNT;
}

/**
 * Assignment of the 4096 slots to shards. Slots (not businesses) are the unit that later moves
 * between shards online, so the map is data (persisted in the control database), not a formula.
 */
export class SlotMap {
  private constructor(
    private readonly shardOfSlot: Uint16Array,
    readonly shardCount: number,
  ) {}

  /** The default map `shard = slot % shardCount`; with 4 shards it equals the seed's `crc32 % 4`. */
  static modulo(shardCount: number): SlotMap {
    const slots = new Uint16Array(SLOT_COUNT);
    for (let slot = 0; slot < SLOT_COUNT; slot++) slots[slot] = slot % shardCount;
    return new SlotMap(slots, shardCount);
  }

  /** Builds a map from persisted rows; every slot must be assigned to a shard in 0..shardCount-1. */
  static fromAssignments(shardCount: number, rows: ReadonlyArray<{ slot: number; shard: number }>): SlotMap {
    const slots = new Uint16Array(SLOT_COUNT).fill(0xffff);
    for (const { slot, shard } of rows) {
      if (slot < 0 || slot >= SLOT_COUNT) throw new Error(`slot map: slot ${slot} out of range`);
      if (shard < 0 || shard >= shardCount) throw new Error(`slot map: slot ${slot} points to unknown shard ${shard}`);
      slots[slot] = shard;
    }
    const missing = slots.indexOf(0xffff);
    if (missing >= 0) throw new Error(`slot map: slot ${missing} is not assigned`);
    return new SlotMap(slots, shardCount);
  }

  shardOfSlotNumber(slot: number): number {
    return this.shardOfSlot[slot];
  }

  shardFor(businessId: string): number {
    return this.shardOfSlot[slotOf(businessId)];
  }

  assignments(): Array<{ slot: number; shard: number }> {
    return Array.from(this.shardOfSlot, (shard, slot) => ({ slot, shard }));
  }
}
