import { SlotMap } from './slot-map';

/**
 * What the domain sees of sharding: which shard owns a business, and how many shards exist.
 * Injected under SHARD_ROUTER so handlers stay free of MySQL.
 */
export const SHARD_ROUTER = Symbol('ShardRouter');

export interface ShardRouter {
  readonly shardCount: number;
  shardFor(businessId: string): number;
  /** The version of the map in use; it grows when a reload brings a changed map (0: a fixed map). */
  readonly version: number;
  /**
   * Learns the newest map now instead of at the next poll: a write the owning shard refused
   * (a slot moved, docs/adr/0008) calls it before addressing the write again.
   */
  refresh(): Promise<void>;
}

export class SlotMapShardRouter implements ShardRouter {
  private refresher: () => Promise<void> = async () => {};

  constructor(
    private slotMap: SlotMap,
    private mapVersion = 0,
  ) {}

  get shardCount(): number {
    return this.slotMap.shardCount;
  }

  /** The version of the map in use (0: a fixed map that never reloads). */
  get version(): number {
    return this.mapVersion;
  }

  shardFor(businessId: string): number {
    return this.slotMap.shardFor(businessId);
  }

  refresh(): Promise<void> {
    return this.refresher();
  }

  /** How refresh() reaches the source (the SlotMapWatcher that feeds replace()). */
  refreshWith(refresher: () => Promise<void>): void {
    this.refresher = refresher;
  }

  /**
   * Swaps in a newer map in one assignment, so a reader sees the old or the new map, never a mix.
   * An older or equal version is ignored: two reloads finishing out of order cannot go back.
   */
  replace(slotMap: SlotMap, version = this.mapVersion + 1): boolean {
    if (version <= this.mapVersion) return false;
    this.slotMap = slotMap;
    this.mapVersion = version;
    return true;
  }
}
