import { Knex } from 'knex';

/** The slot → shard map (4096 rows), seeded on first start from the configured shard count. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE slot_map (
      slot SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
      shard SMALLINT UNSIGNED NOT NULL,
      updated_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS slot_map');
}
