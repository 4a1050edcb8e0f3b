import { Knex } from 'knex';

/**
 * `events.slot` and `records.slot`: the slot of the row's business (crc32 of business_id % 4096, as
 * `slotOf` in libs/sharding), written by every writer in its own INSERT, so a slot move finds the
 * rows of its slots by index instead of parsing every row of the shard (docs/adr/0008 4.2–4.5, 4.9).
 * NULL on rows written before this migration until `ops-cli slots backfill` fills them in chunks;
 * every reader of "the rows of these slots" also reads the NULL rows by the expression, so a shard
 * not yet back-filled is read correctly, only slower (libs/sharding/src/mysql/slot-rows.ts).
 *
 * Both tables are partitioned (events by month_key, records by id month). On MariaDB 10.11:
 * - ADD COLUMN, nullable, last: ALGORITHM=INSTANT — metadata only on every partition, no row
 *   rewritten (old rows read NULL). A STORED/VIRTUAL generated column would not be: on a partitioned
 *   table it is a blocking COPY (4.9), which is why the writers fill a plain column instead.
 * - ADD INDEX: ALGORITHM=INPLACE, LOCK=NONE — one scan and sort per partition while reads and writes
 *   go on (changes logged and applied at the end; the metadata lock only at start and end). Minutes
 *   of one core and I/O for tens of millions of rows, not a pause.
 *   events (slot, position): a slot's rows in position order, as copy, catch-up and delete walk them
 *   (InnoDB appends month_key, the rest of the primary key). records (slot, id): a slot's rows in id
 *   order (id is the primary key, appended anyway). The held-rows check (staged_by, moving_out_by)
 *   reads the slots' rows through it: a slot's share of the shard, not the shard.
 * Named algorithms make a server that cannot do either online fail the migration instead of copying
 * the tables. Each step checks first whether it is done, so a migration interrupted between its
 * statements (they are DDL: no transaction holds them together) runs again to the end.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['events', 'records']) {
    if (!(await hasColumn(knex, table, 'slot'))) await knex.raw(`ALTER TABLE ${table} ADD COLUMN slot SMALLINT UNSIGNED NULL, ALGORITHM=INSTANT`);
  }
  if (!(await hasIndex(knex, 'events', 'idx_slot_position'))) await knex.raw('ALTER TABLE events ADD INDEX idx_slot_position (slot, position), ALGORITHM=INPLACE, LOCK=NONE');
  if (!(await hasIndex(knex, 'records', 'idx_slot_id'))) await knex.raw('ALTER TABLE records ADD INDEX idx_slot_id (slot, id), ALGORITHM=INPLACE, LOCK=NONE');
}

export async function down(knex: Knex): Promise<void> {
  if (await hasIndex(knex, 'records', 'idx_slot_id')) await knex.raw('ALTER TABLE records DROP INDEX idx_slot_id, ALGORITHM=INPLACE, LOCK=NONE');
  if (await hasIndex(knex, 'events', 'idx_slot_position')) await knex.raw('ALTER TABLE events DROP INDEX idx_slot_position, ALGORITHM=INPLACE, LOCK=NONE');
  for (const table of ['records', 'events']) if (await hasColumn(knex, table, 'slot')) await knex.raw(`ALTER TABLE ${table} DROP COLUMN slot`);
}

async function hasColumn(knex: Knex, table: string, column: string): Promise<boolean> {
  const [rows] = await knex.raw('SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?', [table, column]);
  return (rows as unknown[]).length > 0;
}

async function hasIndex(knex: Knex, table: string, index: string): Promise<boolean> {
  const [rows] = await knex.raw('SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1', [table, index]);
  return (rows as unknown[]).length > 0;
}
