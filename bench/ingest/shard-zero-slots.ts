import type { Knex } from 'knex';
import { SLOT_COUNT, slotOf } from '@shardline/sharding';

/**
 * A private shard schema of the isolated write benchmarks made shard 0 of 4: it owns every slot
 * ≡ 0 (mod 4) at epoch 1, so the slot fence passes for the writes they send (to those slots).
 */
export async function ownShardZeroSlots(db: Knex): Promise<void> {
  const owned = Array.from({ length: SLOT_COUNT / 4 }, (_, i) => i * 4);
  for (let i = 0; i < owned.length; i += 512) await db('owned_slots').insert(owned.slice(i, i + 512).map((slot) => ({ slot, epoch: 1 })));
}

/** 20,000 business ids spread over shard 0's slots (every slot ≡ 0 mod 4 gets some). */
export function businessesOnOwnedSlots(): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < 20_000; i++) if (slotOf(`bench-${i}`) % 4 === 0) out.push(`bench-${i}`);
  return out;
}
