import type { RegisteredShard } from './shard-registry';
import type { SlotMap } from './slot-map';

/** One consistent reading of the control database: the map, the shards it may point to, and their version. */
export interface SlotMapSnapshot {
  /** Bumped by every change of the map or of the registry; only ever grows. */
  version: number;
  map: SlotMap;
  shards: RegisteredShard[];
}

/** Where the slot map lives (the control database; docs/adr/0008). */
export interface SlotMapSource {
  /** The current version alone: what a process polls (one primary-key read). */
  version(): Promise<number>;
  load(): Promise<SlotMapSnapshot>;
}
