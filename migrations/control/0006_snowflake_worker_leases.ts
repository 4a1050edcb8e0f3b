import { Knex } from 'knex';

/**
 * Snowflake worker ids are leased, not just configured (libs/ids worker-id-lease.ts): a process
 * takes a free or expired id at start, renews its lease, and stops minting ids when it cannot, so
 * two running processes never mint with the same worker id. `holder` is a random token of the
 * process; `holder_name` (app, host, pid) is for operators. Times are the server's NOW(3).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE snowflake_worker_leases (
      worker_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
      holder CHAR(36) CHARACTER SET ascii NOT NULL,
      holder_name VARCHAR(255) NOT NULL,
      lease_until DATETIME(3) NOT NULL,
      acquired_at DATETIME(3) NOT NULL,
      renewed_at DATETIME(3) NOT NULL
    ) ENGINE=InnoDB`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS snowflake_worker_leases');
}
