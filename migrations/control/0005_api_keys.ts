import { Knex } from 'knex';

/**
 * API keys (libs/auth): the key id is public (the `actor` of events), the secret is only stored as
 * a scrypt hash with its own salt and cost (`scrypt$N$r$p$salt$hash`). `roles` and
 * `business_prefixes` are JSON arrays (prefixes NULL: every business). Revoked keys stay, so their
 * id keeps explaining the events they caused.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE api_keys (
      key_id CHAR(16) CHARACTER SET ascii NOT NULL PRIMARY KEY,
      name VARCHAR(100) NOT NULL,
      roles JSON NOT NULL,
      business_prefixes JSON NULL,
      secret_hash VARCHAR(255) CHARACTER SET ascii NOT NULL,
      created_time DATETIME(3) NOT NULL,
      revoked_time DATETIME(3) NULL
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS api_keys');
}
