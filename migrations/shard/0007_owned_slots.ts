import { Knex } from 'knex';

/**
 * The slots this shard owns, with the ownership epoch of each (docs/adr/0008). The append
 * transaction reads the rows of the slots it writes with a shared lock and fails (slotFenceStatement
 * in libs/sharding) when one is missing, so a process holding a stale slot map cannot write
 * to a slot this shard gave away; a cutover deletes the row (waiting for in-flight appends) before
 * the new owner gets its row. Seeded from the slot map by migrateAll when the table is created.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE owned_slots (
      slot SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
      epoch INT UNSIGNED NOT NULL,
      granted_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS owned_slots');
}
