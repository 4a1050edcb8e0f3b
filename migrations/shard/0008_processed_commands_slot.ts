import { Knex } from 'knex';

/**
 * processed_commands.slot: the slot of the command's writes when it wrote exactly one slot (or, for
 * a no-op under a client key, the slot of its business), NULL otherwise (a batch part spanning slots,
 * rows written before this migration). A slot move copies the keys of its slots to the new owner by
 * it (docs/adr/0008, 4.8; copyProcessedCommandsOfSlots in libs/event-store).
 *
 * The table is not partitioned (retention deletes by idx_created_time, processed-commands-retention.ts),
 * so both steps work on the whole table, and both are online on MariaDB 10.11:
 * - ADD COLUMN, nullable, last: ALGORITHM=INSTANT — a metadata change only (no row is rewritten;
 *   existing rows read the column as NULL), a moment's exclusive metadata lock;
 * - ADD INDEX (slot, created_time): ALGORITHM=INPLACE, LOCK=NONE — one scan of the clustered index
 *   and a sort to build the index (≈ 2 + 5 bytes + the command id per row, since InnoDB appends the
 *   primary key), while reads and writes go on (concurrent changes are logged and applied at the
 *   end; the metadata lock is taken only briefly at start and end). On a table of tens of millions of
 *   keys that is minutes of one core and I/O, not a pause. The copier reads one slot at a time in
 *   (created_time, command_id) order straight off this index, and its catch-up passes start from a
 *   time (`since`), so the index leads with the slot and then the time.
 * Named algorithms make the migration fail rather than silently copy the table if a server cannot
 * do them online.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE processed_commands ADD COLUMN slot SMALLINT UNSIGNED NULL, ALGORITHM=INSTANT');
  await knex.raw('ALTER TABLE processed_commands ADD INDEX idx_slot_created (slot, created_time), ALGORITHM=INPLACE, LOCK=NONE');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE processed_commands DROP INDEX idx_slot_created, ALGORITHM=INPLACE, LOCK=NONE');
  await knex.raw('ALTER TABLE processed_commands DROP COLUMN slot');
}
