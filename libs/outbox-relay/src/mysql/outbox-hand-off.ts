import type { Knex } from 'knex';
import { SLOT_COUNT } from '@shardline/sharding';
import { releasePublishHold } from '@shardline/sharding/mysql';

/**
 * Unpublished outbox rows of `slots` on a shard: the relay hand-off of a slot move (docs/adr/0008
 * 4.6) waits on the OLD owner until this is 0, then clears the new owner's publish hold
 * (releasePublishHold in @shardline/sharding/mysql). After the revoke nothing more is written
 * there for these slots, so the count only shrinks as that shard's relay publishes.
 *
 * An outbox row's `partition_key` is its business id (the Kafka key), so its slot is
 * CRC32(partition_key) % 4096, slotOf's formula. The outbox has no index for it: this scans the
 * outbox, which is small when the relay keeps up (its backlog gauge says how small).
 */
export async function outboxRowsOfSlots(shardDb: Knex, slots: readonly number[]): Promise<number> {
  if (slots.length === 0) return 0;
  for (const slot of slots) if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`not a slot: ${slot}`);
  const [rows] = await shardDb.raw(`SELECT COUNT(*) AS n FROM outbox WHERE CRC32(partition_key) % ${SLOT_COUNT} IN (${slots.join(',')})`);
  return Number((rows as Array<{ n: number | string }>)[0].n);
}

export type HandOffResult = { done: true; released: number } | { done: false; sourceRows: number };

/**
 * The relay hand-off step of a slot move (docs/adr/0008 4.6), after the flip: when the old owner's
 * outbox has no row of `slots` left, clears the new owner's publish hold; otherwise changes nothing
 * and says how many rows its relay still has to publish (the saga tries again later). Idempotent:
 * a re-run after success finds no row and no hold, and answers done.
 */
export async function handOffSlots(sourceDb: Knex, targetDb: Knex, slots: readonly number[]): Promise<HandOffResult> {
  const sourceRows = await outboxRowsOfSlots(sourceDb, slots);
  if (sourceRows > 0) return { done: false, sourceRows };
  return { done: true, released: await releasePublishHold(targetDb, slots) };
}
