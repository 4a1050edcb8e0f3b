import { Knex } from 'knex';

/**
 * Which map version each running process routes by (docs/adr/0008, 4.7). Every process that polls
 * the slot map (SlotMapWatcher) writes its row here with the version it applied, at most every few
 * seconds and at once when the version changed, and deletes it when it stops. A slot move's cleanup
 * deletes the old copy only once no live process reports an older version: a process still routing
 * reads by the old map would otherwise find nothing on the old owner.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE slot_map_readers (
      reader VARCHAR(191) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      version BIGINT UNSIGNED NOT NULL,
      started_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      seen_time DATETIME(3) NOT NULL,
      KEY idx_seen (seen_time)
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS slot_map_readers');
}
