import { Knex } from 'knex';

/**
 * When each shard's `owned_slots` was seeded from the map (docs/adr/0008). Seeding happens once per
 * shard: `migrate` seeded any shard whose table was empty, so a shard that gave up its last slot in a
 * cutover (revoked, map not yet flipped) would have been granted it again by the next migrate. NULL:
 * not seeded yet (the next migrate seeds it, or finds it owning slots, and stamps it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE shards ADD COLUMN slots_seeded_time DATETIME(3) NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE shards DROP COLUMN slots_seeded_time');
}
