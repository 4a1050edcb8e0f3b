import { Knex } from 'knex';

/**
 * Observations of a source shard's position sequence shared by every group of a slot move
 * (docs/adr/0008, 4.2): "every position ≤ `up_to` was allocated by `observed_ms`" (MAX(position)
 * read then, on the source's clock, epoch ms). A backfill bounded by an observation older than the
 * settle window starts at once; the first group's observation serves the groups after it, so a
 * move pays the settle window about once per source shard instead of once per group.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE slot_move_observations (
      move_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      shard SMALLINT UNSIGNED NOT NULL,
      observed_ms BIGINT UNSIGNED NOT NULL,
      up_to BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (move_id, shard, observed_ms)
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS slot_move_observations');
}
