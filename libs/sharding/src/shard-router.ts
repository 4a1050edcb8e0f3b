import { SlotMap } from './slot-map';

/**
 * What the domain sees of sharding: which shard owns a business, and how many shards exist.
 * Injected under SHARD_ROUTER so handlers stay free of MySQL.
 */
export const SHARD_ROUTER = Symbol('ShardRouter');

export interface ShardRouter {
  readonly shardCount: number;
  shardFor(businessId: string): number;
}

export class SlotMapShardRouter implements ShardRouter {
  constructor(private slotMap: SlotMap) {}

  get shardCount(): number {
    return this.slotMap.shardCount;
  }

  shardFor(businessId: string): number {
    return this.slotMap.shardFor(businessId);
  }

  /** Swaps in a new map (slot moves); readers see either the old or the new map, never a mix. */
  replace(slotMap: SlotMap): void {
    this.slotMap = slotMap;
  }
}
