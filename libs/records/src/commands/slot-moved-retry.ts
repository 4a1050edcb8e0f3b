import { isSlotNotOwned } from '@shardline/event-store';
import type { ShardRouter } from '@shardline/sharding';

/**
 * A write a shard refused because the slot is not (or no longer) its own (SlotNotOwnedError,
 * docs/adr/0008: nothing of the refused try was written) is addressed again after reloading the map,
 * at most this many tries; between tries that find the same owner (a cutover holding the slot) it
 * waits MOVED_WAIT_MS × try. Past them the refusal (503 EVENT_STORE.SLOT_MOVED, retriable) goes up.
 */
export const MAX_MOVED_ATTEMPTS = 8;
export const MOVED_WAIT_MS = 50;

/**
 * The one retry rule of every writer that may meet a moved slot (the record command runner, saga
 * steps writing to the current owners, the erasure's chunks): rethrows `error` unless it is a
 * slot refusal with tries left; otherwise reloads the map and, when `sameOwner()` still holds after
 * it (the map names the shard that refused: a cutover), waits before the next try.
 */
export async function beforeRetryOfMovedSlot(error: unknown, attempt: number, router: ShardRouter, sameOwner: () => boolean = () => true): Promise<void> {
  if (!isSlotNotOwned(error) || attempt >= MAX_MOVED_ATTEMPTS) throw error;
  await router.refresh();
  if (sameOwner()) await new Promise((resolve) => setTimeout(resolve, MOVED_WAIT_MS * attempt));
}
