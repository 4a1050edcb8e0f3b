import { Knex } from 'knex';

/**
 * Moves of records to another business (docs/adr/0004): a source row held by a move saga carries
 * its id in `moving_out_by` — writers refuse it (423 RECORD.LOCKED) and readers see it exactly while
 * the saga's commit point is not committed. NULL for every row not being moved. ALGORITHM=INSTANT,
 * like 0003: a nullable column at the end changes only metadata. No index: the saga addresses its
 * rows by primary key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE records ADD COLUMN moving_out_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL, ALGORITHM=INSTANT');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE records DROP COLUMN moving_out_by');
}
