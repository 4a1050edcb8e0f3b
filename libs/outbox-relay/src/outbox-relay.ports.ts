import type { StoredEvent } from '@shardline/event-store';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { WorkerLog } from '@shardline/worker';

/** An outbox row still to publish, joined with the event it points at. */
export interface OutboxEntry {
  /** The outbox row's id (per-shard auto-increment, a decimal string: 64-bit). */
  outboxId: string;
  event: StoredEvent;
}

export interface OutboxBacklog {
  /** Rows waiting; exact up to the adapter's counting cap, an upper-bound estimate beyond it. */
  rows: number;
  estimated: boolean;
  /** created_time of the oldest waiting row, null when the outbox is empty. */
  oldestCreatedTime: Date | null;
}

/**
 * One shard's outbox. The relay never remembers "published up to id N": it deletes what it
 * published, so a row whose transaction commits late (a lower id appearing after higher ids were
 * published) is simply found by a later read.
 */
export interface OutboxSource {
  readonly shard: number;
  /** The first `limit` committed rows in outbox id order, each with its event (rows of slots under a publish hold left out). */
  readBatch(limit: number): Promise<OutboxEntry[]>;
  /** Deletes published rows; called only after the broker acknowledged them. */
  remove(outboxIds: string[]): Promise<void>;
  backlog(): Promise<OutboxBacklog>;
  /** Whether the shard answers (readiness; never throws). */
  ping(): Promise<boolean>;
  /**
   * Slots whose rows the last read held back (owned_slots.publish_hold, docs/adr/0008 4.6): 0 in
   * the normal state. Absent: the source never holds rows back.
   */
  heldSlotCount?(): number;
}

/**
 * Publishes envelopes in the given order (per key) and resolves only once the broker has
 * acknowledged every one of them; rejects otherwise (then any subset may have been written,
 * and the relay publishes the whole batch again: at-least-once).
 */
export interface EventPublisher {
  /**
   * Creates the destination if it is missing (the topic, with its partition count: a broker would
   * auto-create it with one partition at the first publish). Idempotent; the relay's lifecycle
   * retries it until it succeeds, before any shard loop starts.
   */
  prepare(): Promise<void>;
  publish(envelopes: RecordEventEnvelope[]): Promise<void>;
  /** Whether the broker answers (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Exclusive right to relay one shard (one active relay per shard, any number on standby).
 * A lease that is lost (its holder's connection died) must report `isHeld() === false` from
 * then on, so the holder stops publishing that shard at once.
 */
export interface ShardLease {
  readonly shard: number;
  /** Tries once, without waiting; true when this process now holds the lease. */
  tryAcquire(): Promise<boolean>;
  /** Verifies the lease is still ours (never throws: an error means "not held"). */
  isHeld(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * The data keys the relay seals with (a UserKeys of @shardline/user-keys fits): each user's key,
 * created when missing; null when the user was erased (their events are published as erasures).
 */
export interface SealingKeys {
  keysFor(userIds: readonly string[]): Promise<ReadonlyMap<string, Buffer | null>>;
}

export type RelayLog = WorkerLog;
