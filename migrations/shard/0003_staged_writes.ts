import { Knex } from 'knex';

/**
 * Staged writes of cross-shard write sets (docs/adr/0003): events and `records` rows written
 * under a commit point carry its id in `staged_by` until they are released (marker cleared, outbox
 * rows written) or discarded. NULL for every ordinary write. ALGORITHM=INSTANT: adding a nullable
 * column at the end changes only metadata, so the migration is instant on billions of rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE events ADD COLUMN staged_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL, ALGORITHM=INSTANT');
  await knex.raw('ALTER TABLE records ADD COLUMN staged_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL, ALGORITHM=INSTANT');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE records DROP COLUMN staged_by');
  await knex.raw('ALTER TABLE events DROP COLUMN staged_by');
}
