import { Knex } from 'knex';

/**
 * One counter of user-key erasures, raised by every `forget` AFTER the key is gone
 * (libs/user-keys MysqlUserKeys). Key caches poll it (CachedUserKeys): while it has not moved, no key
 * they hold was forgotten, so they keep keys for as long as the counter stays put instead of
 * re-reading every key each TTL — with 50,000 users cycling through the api, that re-read was a
 * control-database round trip on nearly every create (bench/README.md, issue 12 §4).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE user_key_erasures (
      id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
      erasures BIGINT UNSIGNED NOT NULL
    ) ENGINE=InnoDB`);
  await knex.raw('INSERT INTO user_key_erasures (id, erasures) VALUES (1, 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS user_key_erasures');
}
