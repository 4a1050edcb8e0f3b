import { Knex } from 'knex';

/**
 * The versioned slot map (docs/adr/0008):
 * - `shards`: every shard database the fleet knows, by index (`ops-cli shards add` registers more).
 *   `url` is mysql://[user[:password]@]host[:port]/database; without credentials a process uses
 *   the control database's (so passwords need not be stored here).
 * - `slot_map.epoch`: bumped each time the slot changes owner; the owning shard holds the same epoch
 *   in its `owned_slots` row (migrations/shard/0007), which the append transaction checks.
 * - `slot_map_version`: one row; every change of `shards` or `slot_map` bumps it in the same
 *   transaction, so a process polls one tiny row to learn that it must reload.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE shards (
      shard SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
      url VARCHAR(1024) NOT NULL,
      added_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB`);
  await knex.raw('ALTER TABLE slot_map ADD COLUMN epoch INT UNSIGNED NOT NULL DEFAULT 1');
  await knex.raw(`
    CREATE TABLE slot_map_version (
      id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
      version BIGINT UNSIGNED NOT NULL,
      CHECK (id = 1)
    ) ENGINE=InnoDB`);
  await knex.raw('INSERT INTO slot_map_version (id, version) VALUES (1, 1)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS slot_map_version');
  await knex.raw('ALTER TABLE slot_map DROP COLUMN epoch');
  await knex.raw('DROP TABLE IF EXISTS shards');
}
