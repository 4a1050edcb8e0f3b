import { Knex } from 'knex';

/**
 * Per-user data keys of crypto-shredding (libs/user-keys): the relay seals the personal content of
 * every event it publishes with its user's key, the projector opens it. `wrapped_key` is the key
 * wrapped by the master key (format byte, IV, tag, 32-byte key: 61 bytes); erasing a user sets it
 * to NULL for good (erased_time says when), after which every Kafka copy of their content is
 * unreadable. One row per user ever seen by a relay, or erased.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE user_keys (
      user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
      wrapped_key VARBINARY(128) NULL,
      created_time DATETIME(3) NOT NULL,
      erased_time DATETIME(3) NULL
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS user_keys');
}
