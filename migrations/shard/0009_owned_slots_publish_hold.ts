import { Knex } from 'knex';

/**
 * `owned_slots.publish_hold` (docs/adr/0008, 4.5–4.6): a cutover grants the new owner its slots
 * with the hold set, and this shard's relay publishes no outbox row of a held slot until the
 * hand-off clears it (the old owner's outbox has no row of the slot left), so no event of a
 * business is published by the new owner before every earlier one from the old owner.
 * The index lets the relay read the held set on every poll as an empty index range when nothing is
 * held (the normal state). owned_slots has at most 4096 rows: the ALTER is instant at any size.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE owned_slots ADD COLUMN publish_hold TINYINT UNSIGNED NOT NULL DEFAULT 0, ADD KEY idx_publish_hold (publish_hold)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE owned_slots DROP KEY idx_publish_hold, DROP COLUMN publish_hold');
}
