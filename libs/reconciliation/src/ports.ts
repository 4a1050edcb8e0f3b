import type { ModelDigest, StoreDigest } from './digest';
import type { Slice, SlicePlan } from './slice';

/** Where a stream ends: its last version and whether that event deleted it (deleted, moved out, erased). */
export interface StreamEnd {
  version: number;
  deleted: boolean;
}

/** One record stream as the event store has it. */
export interface StoreStream {
  shard: number;
  streamId: string;
  recordId: string;
  /** Every event, staged ones included (what the inline `records` table follows); null: no event. */
  all: StreamEnd | null;
  /** Published (not staged) events only (what the read models are fed); null: none yet. */
  published: StreamEnd | null;
}

/** One record as a read model holds it; `events` only for a model of raw events (count per stream). */
export interface ModelState {
  recordId: string;
  version: number;
  deleted: boolean;
  events?: number;
}

/** The event store side (every shard's `events` table). */
export interface EventStoreSide {
  shards(): number[];
  /** Months with events on the shard. */
  months(shard: number): Promise<number[]>;
  /** StoreDigest of each child of the plan that has events, by child index. */
  digests(shard: number, plan: SlicePlan): Promise<Map<number, StoreDigest>>;
  /** Every stream of the slice on the shard. */
  streams(shard: number, slice: Slice): Promise<StoreStream[]>;
  /** These records' streams on the shard (absent ones are left out). */
  streamsOf(shard: number, recordIds: readonly string[]): Promise<StoreStream[]>;
}

export type ReadModelName = 'records' | 'elasticsearch' | 'clickhouse-latest' | 'clickhouse-events';

/**
 * A read model to compare with the event store. `perShard` models (the inline `records` table)
 * are asked per shard; the others hold every shard's records together, so they are compared per
 * month with the XOR/sum of all shards' digests, and their differences are attributed to the shard
 * whose event store holds the stream.
 */
export interface ReadModelSide {
  readonly name: ReadModelName;
  readonly perShard: boolean;
  /** Months the model holds records of (phantoms in months without events are found this way). */
  months(shard?: number): Promise<number[]>;
  digests(plan: SlicePlan, shard?: number): Promise<Map<number, ModelDigest>>;
  states(slice: Slice, shard?: number): Promise<ModelState[]>;
  statesOf(recordIds: readonly string[], shard?: number): Promise<ModelState[]>;
  /**
   * Reads the store and the model in ONE consistent snapshot (the `records` table shares the
   * shard's transactions): a re-check needs no settling then, what differs there differs.
   */
  snapshot?(shard: number, recordIds: readonly string[]): Promise<{ store: StoreStream[]; model: ModelState[] }>;
}

/**
 * Whether the asynchronous read models have applied everything published up to now (the
 * projection's consumer group past the topic's end offsets captured at the first call). null:
 * unknown (no broker configured, group never committed); verify then settles by time alone.
 */
export interface CatchUpGate {
  caughtUp(): Promise<boolean | null>;
}
